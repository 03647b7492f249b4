"""What a GPU trainer gives back, made usable here: a PEFT LoRA folder becomes a kept GGUF adapter run.

Axolotl and LLaMA-Factory save the LoRA with PEFT (``adapter_config.json`` + ``adapter_model.safetensors``). It is
converted with ``adapter_gguf`` using the facts of the base GGUF the user names (architecture, blocks, heads),
checked against that base's tensor shapes before llama.cpp sees it, and kept as an adapter run whose manifest
records the base's sha256, so ``ask``/``eval --adapter NAME`` and the app's comparison refuse other weights. A GGUF
adapter is checked and kept the same way; a whole fine-tuned GGUF needs no import and is only routed to.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crossroads.errors import InputError, ModelError
from crossroads.finetune import runs
from crossroads.finetune.hf_model import ADAPTER_CONFIG, ADAPTER_WEIGHTS

_EMBEDDINGS = ("embed_tokens", "lm_head", "wte", "embed_out", "word_embeddings")


@dataclass(frozen=True)
class Imported:
    kind: str  # "adapter": kept as ``run``; "model": a whole fine-tuned GGUF, opened with --finetuned-model
    path: Path  # the kept adapter.gguf, or the model file itself
    run: runs.AdapterRun | None = None


def import_result(source: Path, base: Path, name: str | None = None) -> Imported:
    """Import ``source`` (a PEFT folder, a GGUF adapter or a whole GGUF) for the base model file ``base``."""
    from crossroads.models.gguf_info import is_gguf, read_gguf_info

    source = Path(source).expanduser()
    if not source.exists():
        raise InputError(f"There is nothing at {source}.")
    if source.is_file() and is_gguf(source):
        kind = read_gguf_info(source).metadata.get("general.type")
        if kind != "adapter":
            from crossroads.engine.adapter import check_finetuned_model_file

            info = read_gguf_info(base)
            check_finetuned_model_file(source, base, info.architecture, base.name)
            return Imported("model", source)
        from crossroads.engine.adapter import check_adapter_file

        check_adapter_file(source, read_gguf_info(base).architecture, base.name)
        check_fits(source, base)
        return Imported("adapter", source, _keep(name or source.stem, source, base, {"imported_from": source.name}))
    folder = source if source.is_dir() else source.parent
    config = check_peft_folder(folder)
    facts = base_facts(base)
    with tempfile.TemporaryDirectory(prefix="crossroads-import-") as tmp:
        from crossroads.finetune.adapter_gguf import convert

        gguf_file = convert(folder, Path(tmp) / runs.ADAPTER_FILE, facts)
        check_fits(gguf_file, base)
        settings = {"rank": config.get("r"), "alpha": config.get("lora_alpha"),
                    "target_modules": sorted(_targets(config)), "use_rslora": bool(config.get("use_rslora"))}
        run = _keep(name or folder.name, gguf_file, base, {"imported_from": folder.name}, settings)
    return Imported("adapter", run.adapter_path, run)


def check_peft_folder(folder: Path) -> dict[str, Any]:
    """The adapter's config, or the reason in words why llama.cpp could not apply this adapter as a LoRA."""
    config_path, weights = folder / ADAPTER_CONFIG, folder / ADAPTER_WEIGHTS
    if not config_path.is_file():
        merged = (folder / "config.json").is_file() and any(folder.glob("model*.safetensors"))
        checkpoints = sorted(folder.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[-1])
                             if p.name.split("-")[-1].isdigit() else -1)
        hint = (" It holds a whole (merged) model in Hugging Face format: convert it to GGUF with llama.cpp's "
                "convert_hf_to_gguf.py and open it as the fine-tuned model (--finetuned-model)." if merged else
                f" Its last checkpoint, {checkpoints[-1].name}, may hold one." if checkpoints else
                " Give the trainer's output folder (it holds adapter_config.json and adapter_model.safetensors).")
        raise InputError(f"{folder} has no {ADAPTER_CONFIG}, so it is not a PEFT adapter folder.{hint}")
    if not weights.is_file():
        other = " It has adapter_model.bin: save the adapter again with safe_serialization (PEFT's default)." \
            if (folder / "adapter_model.bin").is_file() else ""
        raise InputError(f"{folder} has no {ADAPTER_WEIGHTS}: the adapter's weights are missing.{other}")
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{config_path.name} in {folder} cannot be read ({exc}).") from exc
    if not isinstance(config, dict):
        raise InputError(f"{config_path.name} in {folder} is not an adapter configuration.")
    peft_type = str(config.get("peft_type") or "LORA").upper()
    if peft_type != "LORA":
        raise ModelError(f"The adapter is a {peft_type} adapter; llama.cpp applies LoRA adapters only.")
    if config.get("use_dora"):
        raise ModelError("The adapter was trained with DoRA (use_dora), which llama.cpp cannot apply as a LoRA. "
                         "Train again with plain LoRA (use_dora: false).")
    saved = [str(m) for m in config.get("modules_to_save") or []]
    if saved:
        what = "the embeddings or the output layer" if any(m in _EMBEDDINGS for m in saved) else "whole modules"
        raise ModelError(f"The adapter also saves {what} in full ({', '.join(saved)}); llama.cpp takes LoRA "
                         "matrices only. Train again without modules_to_save.")
    embedded = [t for t in _targets(config) if t in _EMBEDDINGS]
    if embedded:
        raise ModelError(f"The adapter puts LoRA on {', '.join(embedded)}; llama.cpp cannot take those as a LoRA. "
                         "Train again on the attention and MLP projections only.")
    if config.get("bias") not in (None, "none"):
        raise ModelError(f"The adapter also trains biases (bias: {config['bias']}); llama.cpp takes LoRA matrices "
                         "only. Train again with bias: none.")
    if "lora_alpha" not in config:
        raise InputError(f"{config_path.name} in {folder} does not say lora_alpha; the adapter's scale is unknown.")
    return config


def base_facts(base: Path) -> dict[str, Any]:
    """What the converter needs of the base, from its GGUF header (``hf_model.base_facts`` reads them in torch)."""
    from crossroads.finetune.plan import check_architecture
    from crossroads.models.gguf_info import read_gguf_info

    info = read_gguf_info(base)
    check_architecture(info.architecture)
    if not info.block_count or not info.head_count:
        raise ModelError(f"{base.name} does not say its block and head counts; an adapter cannot be made for it.")
    return {"architecture": info.architecture, "block_count": info.block_count, "head_count": info.head_count,
            "head_count_kv": info.head_count_kv or info.head_count}


def check_fits(adapter: Path, base: Path) -> None:
    """Every adapted weight exists in the base with the shapes the LoRA matrices multiply: else it is another size."""
    import gguf

    wanted = {t.name: [int(n) for n in t.shape] for t in gguf.GGUFReader(str(adapter)).tensors}
    shapes = {t.name: [int(n) for n in t.shape] for t in gguf.GGUFReader(str(base)).tensors}
    for name, shape in sorted(wanted.items()):
        weight, part = name.rsplit(".", 1)
        if weight not in shapes:
            raise ModelError(f"The adapter changes {weight}, which {base.name} does not have: it was trained on "
                             "another model (another architecture or number of layers).")
        n_in, n_out = shapes[weight][0], shapes[weight][1]
        fits = shape[0] == n_in if part == "lora_a" else shape[1] == n_out  # ggml order: [columns, rows]
        if not fits:
            raise ModelError(f"The adapter's {weight} has other sizes than {base.name}'s ({shape} against "
                             f"{shapes[weight]}): it was trained on a model of another size.")


def _keep(name: str, gguf_file: Path, base: Path, data: dict[str, Any],
          settings: dict[str, Any] | None = None) -> runs.AdapterRun:
    clean = runs.check_name(name)
    folder = runs.run_folder(clean)
    if folder.exists():
        raise InputError(f"An adapter named “{clean}” already exists; choose another name with --name.")
    manifest = runs.Manifest(name=clean, base_model=base.name, base_sha256=runs.model_sha256(base), data=data,
                             settings=settings or {})
    try:
        return runs.save_run(clean, gguf_file, manifest)
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _targets(config: dict[str, Any]) -> list[str]:
    targets = config.get("target_modules") or []
    return [targets] if isinstance(targets, str) else [str(t) for t in targets]
