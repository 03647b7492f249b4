"""A PEFT LoRA folder to the GGUF LoRA adapter llama.cpp applies at run time.

What llama.cpp's ``convert_lora_to_gguf.py`` writes, without its dependency on the base model's Hugging Face
files: ``general.type = adapter``, ``adapter.type = lora``, ``adapter.lora.alpha``, and per projection the tensors
``<gguf name>.lora_a`` (rank x inputs) and ``<gguf name>.lora_b`` (outputs x rank), named by gguf's own
TensorNameMap for the base architecture. llama-family GGUFs store the q and k rows permuted for llama.cpp's rope
(transformers undoes that on load), so lora_b of q and k gets the same permutation back; the other families are
stored as trained.

Adapters trained elsewhere (Axolotl, LLaMA-Factory: PEFT's ``save_pretrained``) arrive the same way, with the
base's facts read from its GGUF instead of ``base_model.json``. llama.cpp scales every pair by alpha / rank; a
PEFT scale that differs per module (``alpha_pattern``, ``rank_pattern``, rsLoRA's alpha / sqrt(rank)) is folded
into lora_b so that one alpha still gives each module its trained scale.
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from typing import Any

from crossroads.errors import ModelError
from crossroads.finetune.hf_model import ADAPTER_CONFIG, ADAPTER_WEIGHTS, BASE_FACTS

PERMUTED_QK = frozenset({"llama"})  # convert_hf_to_gguf's LlamaModel.undo_permute; qwen, gemma keep HF order
_PREFIX = "base_model.model."
# PEFT's saved keys: "<module>.lora_A.weight"; a raw state dict also names the adapter ("lora_A.default.weight").
_LORA_KEY = re.compile(r"^(?P<module>.+)\.lora_(?P<part>[AB])(?:\.[^.]+)?\.weight$")


def convert(peft_dir: Path, out: Path, facts: dict[str, Any] | None = None) -> Path:
    """Write ``out`` (whole or not at all); returns it. ``facts``: the base's (default: base_model.json)."""
    import gguf
    from safetensors.torch import load_file

    config = json.loads((peft_dir / ADAPTER_CONFIG).read_text(encoding="utf-8"))
    if facts is None:
        facts = json.loads((peft_dir / BASE_FACTS).read_text(encoding="utf-8"))
    arch_name = facts["architecture"]
    arch = _arch(gguf, arch_name)
    names = gguf.get_tensor_name_map(arch, int(facts["block_count"]))
    pairs: dict[str, dict[str, Any]] = {}
    modules: dict[str, str] = {}  # gguf name -> the PEFT module name, for its scale
    for key, tensor in load_file(str(peft_dir / ADAPTER_WEIGHTS)).items():
        match = _LORA_KEY.match(key)
        if match is None:
            raise ModelError(f"The adapter holds a tensor that is not LoRA ({key}); it cannot be converted.")
        module = match["module"].removeprefix(_PREFIX)
        part = match["part"].lower()
        gguf_name = names.get_name(module + ".weight", try_suffixes=(".weight",))
        if gguf_name is None or "token_embd" in gguf_name or gguf_name.startswith("output."):
            raise ModelError(f"The adapter changes {module}, which llama.cpp cannot take as a LoRA for this model "
                             f"(a {arch_name} model with {facts['block_count']} blocks).")
        pairs.setdefault(gguf_name, {})[part] = tensor.float()
        modules[gguf_name] = module
    if not pairs:
        raise ModelError("The adapter is empty: no LoRA tensors were found.")
    alpha = float(config["lora_alpha"])

    tmp = out.with_name(out.name + ".tmp")
    writer = gguf.GGUFWriter(str(tmp), arch_name)
    writer.add_type(gguf.GGUFType.ADAPTER)
    writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
    writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, alpha)
    for name in sorted(pairs, key=_block_order):
        a, b = pairs[name].get("a"), pairs[name].get("b")
        if a is None or b is None:
            raise ModelError(f"The adapter is incomplete: {name} lacks one of its two LoRA matrices.")
        factor = scale_factor(config, modules[name], int(a.shape[0]))
        if factor != 1.0:
            b = b * factor
        if arch_name in PERMUTED_QK and (".attn_q." in name or ".attn_k." in name):
            heads = int(facts["head_count"])
            b = _permute(b, heads, heads if ".attn_q." in name else int(facts["head_count_kv"]))
        base = name.removesuffix(".weight") + ".weight"
        writer.add_tensor(base + ".lora_a", a.contiguous().numpy())
        writer.add_tensor(base + ".lora_b", b.contiguous().numpy())
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    os.replace(tmp, out)
    return out


def scale_factor(config: dict[str, Any], module: str, rank: int) -> float:
    """What lora_b must be multiplied by for llama.cpp's alpha / rank (with the global alpha) to give PEFT's scale.

    1.0 for a plain LoRA; PEFT's per-module ``alpha_pattern`` keys match the end of a module's name, as in PEFT.
    """
    alpha = float(config["lora_alpha"])
    pattern = config.get("alpha_pattern") or {}
    key = next((k for k in pattern if _matches(k, module)), None)
    module_alpha = float(pattern[key]) if key is not None else alpha
    trained = module_alpha / (math.sqrt(rank) if config.get("use_rslora") else rank)
    applied = alpha / rank
    return 1.0 if trained == applied else trained / applied


def _matches(key: str, module: str) -> bool:
    try:
        return re.match(rf"(.*\.)?({key})$", module) is not None
    except re.error:
        return module == key or module.endswith("." + key)


def _arch(gguf: Any, name: str) -> Any:
    for arch, arch_name in gguf.MODEL_ARCH_NAMES.items():
        if arch_name == name:
            return arch
    raise ModelError(f"The gguf package does not know the “{name}” architecture; the adapter cannot be written.")


def _permute(weights: Any, n_head: int, n_head_kv: int) -> Any:
    """convert_hf_to_gguf's LlamaModel.permute on the output rows (lora_b's rows are the projection's)."""
    if n_head != n_head_kv:
        n_head = n_head_kv
    return (weights.reshape(n_head, 2, weights.shape[0] // n_head // 2, *weights.shape[1:])
            .swapaxes(1, 2).reshape(weights.shape))


def _block_order(name: str) -> tuple[int, str]:
    parts = name.split(".")
    return (int(parts[1]), name) if len(parts) > 1 and parts[1].isdigit() else (-1, name)
