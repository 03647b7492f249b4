"""A folder a GPU box trains from as it is: the reviewed examples in the chat JSONL both trainers read, an Axolotl
and a LLaMA-Factory configuration, and a README with the commands and the way back into Crossroads.

The examples are split exactly as the laptop run splits them (``examples.split`` with the run's seed), so the
held-out share stays out of the training file. Each question-answer pair becomes one chat row with the system
message the app sends, so the model learns to answer the prompts it will be asked; passages (continued
pre-training text) go to their own ``{"text": ...}`` files, which Axolotl mixes in and LLaMA-Factory cannot
(its sharegpt format has no plain text: they need a separate pre-training run).
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crossroads.cancel import NEVER, CancelToken
from crossroads.errors import InputError
from crossroads.finetune import trainer_configs as tc
from crossroads.finetune.examples import TrainingExample, overlap_with, split
from crossroads.finetune.plan import TrainSettings

DATA_DIR = "data"
AXOLOTL_FILE = "axolotl.yaml"
LLAMA_FACTORY_FILE = "llama_factory.yaml"
DATASET_INFO = "dataset_info.json"
README = "README.txt"
MANIFEST = "crossroads_export.json"
GPU_SEQUENCE_LEN = 1024  # a GPU has room for long passages; the laptop's 256 tokens would cut them
GPU_MICRO_BATCH = 2


@dataclass(frozen=True)
class BaseModelRef:
    """The user's model as the trainers know it: its Hugging Face id when known (else None), its GGUF for people."""

    hf_id: str | None
    gguf_name: str
    architecture: str
    model_arg: str = ""  # how `crossroads ... --model` names it: the catalog name, else the file's path


@dataclass(frozen=True)
class Exported:
    folder: Path
    files: list[Path]
    train: int
    validation: int
    passages: int  # of train + validation, the plain-text ones
    overlap: list[str] = field(default_factory=list)  # training questions that are also evaluation questions


def chat_row(example: TrainingExample, system_message: str = "") -> dict[str, Any]:
    """One question-answer pair as OpenAI-style messages: system (if any), user, assistant."""
    messages = [{"role": "system", "content": system_message}] if system_message else []
    messages += [{"role": "user", "content": example.question}, {"role": "assistant", "content": example.answer}]
    return {"messages": messages}


def hf_model_id(model_path: Path) -> str | None:
    """The model's Hugging Face id: the catalog's for a catalog model, else what the GGUF says of its source."""
    from crossroads.models.gguf_info import read_gguf_info

    entry = _catalog_entry(model_path)
    if entry is not None and entry.hf_model:
        return entry.hf_model
    meta = read_gguf_info(model_path).metadata
    for key in ("general.source.huggingface.repository", "general.source.repo_url"):
        value = meta.get(key)
        if isinstance(value, str) and value.strip():
            parts = [p for p in value.strip().rstrip("/").split("/") if p]
            if len(parts) >= 2 and "." not in parts[-2] and ":" not in parts[-2]:
                return f"{parts[-2]}/{parts[-1]}"
    return None


def base_model_ref(model_path: Path) -> BaseModelRef:
    from crossroads.models.gguf_info import read_gguf_info

    entry = _catalog_entry(model_path)
    return BaseModelRef(hf_model_id(model_path), Path(model_path).name, read_gguf_info(model_path).architecture,
                        entry.name if entry is not None else str(model_path))


def _catalog_entry(model_path: Path) -> Any:
    from crossroads.models.catalog import load_catalog

    resolved = Path(model_path).resolve()
    return next((e for e in load_catalog().entries("chat")
                 if e.local_path().resolve() == resolved or e.file == resolved.name), None)


def write_export(
    folder: Path,
    examples: Sequence[TrainingExample],
    settings: TrainSettings,
    base: BaseModelRef,
    system_message: str = "",
    validation_share: float = 0.15,
    trainers: Iterable[str] = tc.TRAINERS,
    eval_questions: Iterable[str] = (),
    sequence_len: int | None = None,
    cancel: CancelToken = NEVER,
) -> Exported:
    """Write the folder (it must be new or empty); nothing is trained. ``cancel`` is checked between files.

    A write error (disk full, no permission) is one InputError, and the folder is left as it was found: an
    empty folder stays, a new one is removed, so a retry in the same place is not refused as "not empty".
    A cancelled export is taken away the same way.
    """
    chosen = parse_trainers(trainers)
    if not [e for e in examples if e.source != "general"]:
        raise InputError("There is nothing of yours to export: the examples are all general ones.")
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise InputError(f"{folder} already exists and is not empty; choose a new folder for the export.")
    existed = folder.exists()
    try:
        return _write(folder, examples, settings, base, system_message, validation_share, chosen, eval_questions,
                      sequence_len, cancel)
    except OSError as exc:
        _undo(folder, existed)
        reason = exc.strerror or str(exc)
        raise InputError(f"The export could not be written to {folder} ({reason}); nothing was kept there. "
                         "Choose another folder or free some space, then export again.") from exc
    except BaseException:
        _undo(folder, existed)
        raise


def _undo(folder: Path, existed: bool) -> None:
    """Take away what a failed export wrote: the folder was new or empty before it began."""
    if not folder.is_dir():
        return
    if not existed:
        shutil.rmtree(folder, ignore_errors=True)
        return
    for child in folder.iterdir():
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def _write(
    folder: Path,
    examples: Sequence[TrainingExample],
    settings: TrainSettings,
    base: BaseModelRef,
    system_message: str,
    validation_share: float,
    chosen: set[str],
    eval_questions: Iterable[str],
    sequence_len: int | None,
    cancel: CancelToken,
) -> Exported:
    cancel.raise_if_cancelled()
    train, held = split(examples, validation_share, settings.seed)
    overlap = [e.question for e in overlap_with(examples, eval_questions)]
    data = folder / DATA_DIR
    data.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def rows(path: Path, items: list[dict[str, Any]]) -> str | None:
        cancel.raise_if_cancelled()
        if not items:
            return None
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in items), encoding="utf-8")
        written.append(path)
        return f"{DATA_DIR}/{path.name}"

    chats = [[chat_row(e, system_message) for e in part if not e.is_text] for part in (train, held)]
    texts = [[{"text": e.answer} for e in part if e.is_text] for part in (train, held)]
    files = tc.DataFiles(
        train=rows(data / "train.jsonl", chats[0]) or "",
        validation=rows(data / "validation.jsonl", chats[1]),
        passages_train=rows(data / "passages_train.jsonl", texts[0]),
        passages_validation=rows(data / "passages_validation.jsonl", texts[1]),
    )
    if not files.train:
        raise InputError("The export needs question-answer pairs: passages alone make no chat training set.")
    model_id = base.hf_id or tc.PLACEHOLDER_MODEL
    length = sequence_len or max(settings.max_length, GPU_SEQUENCE_LEN)
    header = (f"Made by Crossroads for {base.gguf_name} ({base.architecture}). See README.txt.\n"
              + ("" if base.hf_id else f"Fill in the model's Hugging Face id in place of {tc.PLACEHOLDER_MODEL}.\n"))
    cancel.raise_if_cancelled()
    if tc.AXOLOTL in chosen:
        path = folder / AXOLOTL_FILE
        config = tc.axolotl_config(model_id, settings, files, length, GPU_MICRO_BATCH)
        path.write_text(tc.to_yaml(config, header=header), encoding="utf-8")
        written.append(path)
    if tc.LLAMA_FACTORY in chosen:
        info = data / DATASET_INFO
        info.write_text(json.dumps(tc.dataset_info(files, DATA_DIR), indent=2, ensure_ascii=False) + "\n",
                        encoding="utf-8")
        path = folder / LLAMA_FACTORY_FILE
        config = tc.llama_factory_config(model_id, settings, files.validation is not None, length, GPU_MICRO_BATCH,
                                         DATA_DIR)
        comments = {"template": "null: LLaMA-Factory reads the tokenizer's own chat template"} \
            if config["template"] is None else None
        path.write_text(tc.to_yaml(config, comments, header=header), encoding="utf-8")
        written += [info, path]
    cancel.raise_if_cancelled()
    counts = {"train": len(train), "validation": len(held), "sources": dict(Counter(e.source for e in examples))}
    manifest = {"base_model": base.gguf_name, "hf_model": base.hf_id, "architecture": base.architecture,
                "trainers": sorted(chosen), "data": counts, "settings": settings.to_dict(),
                "system_message": system_message, "evaluation_overlap": overlap}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    readme = folder / README
    readme.write_text(readme_text(base, chosen, files, overlap), encoding="utf-8")
    written += [folder / MANIFEST, readme]
    passages = sum(len(t) for t in texts)
    return Exported(folder, written, len(train), len(held), passages, overlap)


def parse_trainers(trainers: Iterable[str] | str) -> set[str]:
    names = [t.strip().lower() for t in (trainers.split(",") if isinstance(trainers, str) else trainers)]
    names = ["llama-factory" if n in ("llamafactory", "llama_factory") else n for n in names if n]
    unknown = [n for n in names if n not in tc.TRAINERS]
    if unknown or not names:
        raise InputError(f"Unknown trainer {', '.join(unknown) or '(none)'}: choose from {', '.join(tc.TRAINERS)}.")
    return set(names)


def readme_text(base: BaseModelRef, trainers: set[str], files: tc.DataFiles, overlap: Sequence[str]) -> str:
    """What to run on the GPU box, and how the result comes back."""
    lines = [
        "Training data and configuration exported by Crossroads",
        "=======================================================",
        "",
        f"Base model: {base.gguf_name} ({base.architecture}); Hugging Face id: "
        f"{base.hf_id or 'unknown - see below'}.",
        f"Data: {files.train} (training), {files.validation or 'no held-out file'} (held out, never trained on).",
    ]
    if not base.hf_id:
        lines += ["", f"FIRST: replace {tc.PLACEHOLDER_MODEL} in the configuration files with the Hugging Face id of "
                  f"the model {base.gguf_name} was made from (the unquantised original, e.g. owner/Model-7B-Instruct)."]
    if overlap:
        lines += ["", f"WARNING: {len(overlap)} training question(s) are also in the evaluation set; its scores for "
                  "the fine-tuned model will be flattering:", *[f"  - {q}" for q in overlap]]
    lines += ["", "Copy this folder to the GPU box and run, inside it:"]
    if tc.AXOLOTL in trainers:
        lines += ["", "Axolotl:", f"  axolotl train {AXOLOTL_FILE}",
                  f"  (the LoRA adapter is written to {tc.AXOLOTL_OUTPUT})"]
    if tc.LLAMA_FACTORY in trainers:
        lines += ["", "LLaMA-Factory:", f"  llamafactory-cli train {LLAMA_FACTORY_FILE}",
                  f"  (the LoRA adapter is written to {tc.LLAMA_FACTORY_OUTPUT})"]
        if files.passages_train:
            lines += ["  The passages (data/passages_*.jsonl) are not in this run: LLaMA-Factory trains plain text",
                      f"  only with stage: pt (dataset {tc.PASSAGES_SET} in dataset_info.json)."]
    lines += [
        "",
        "Bring the result back: copy the output folder (adapter_config.json and adapter_model.safetensors) to the",
        "computer with Crossroads and run",
        f"  crossroads finetune import OUTPUT_FOLDER --model {_quoted(base.model_arg or base.gguf_name)} --name NAME",
        "It becomes a GGUF adapter kept under NAME, for crossroads ask/eval --adapter NAME and the app's comparison.",
        "A whole fine-tuned model converted to GGUF (llama.cpp's convert_hf_to_gguf.py) opens with",
        "--finetuned-model FILE instead.",
        "",
    ]
    return "\n".join(lines)


def _quoted(text: str) -> str:
    return f'"{text}"' if any(c.isspace() for c in text) else text
