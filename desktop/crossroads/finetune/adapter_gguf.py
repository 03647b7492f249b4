"""A PEFT LoRA folder to the GGUF LoRA adapter llama.cpp applies at run time.

What llama.cpp's ``convert_lora_to_gguf.py`` writes, without its dependency on the base model's Hugging Face
files: ``general.type = adapter``, ``adapter.type = lora``, ``adapter.lora.alpha``, and per projection the tensors
``<gguf name>.lora_a`` (rank x inputs) and ``<gguf name>.lora_b`` (outputs x rank), named by gguf's own
TensorNameMap for the base architecture. llama-family GGUFs store the q and k rows permuted for llama.cpp's rope
(transformers undoes that on load), so lora_b of q and k gets the same permutation back; the other families are
stored as trained.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from crossroads.errors import ModelError
from crossroads.finetune.hf_model import ADAPTER_CONFIG, ADAPTER_WEIGHTS, BASE_FACTS

PERMUTED_QK = frozenset({"llama"})  # convert_hf_to_gguf's LlamaModel.undo_permute; qwen, gemma keep HF order
_PREFIX = "base_model.model."


def convert(peft_dir: Path, out: Path) -> Path:
    """Write ``out`` (whole or not at all); returns it."""
    import gguf
    from safetensors.torch import load_file

    config = json.loads((peft_dir / ADAPTER_CONFIG).read_text(encoding="utf-8"))
    facts = json.loads((peft_dir / BASE_FACTS).read_text(encoding="utf-8"))
    arch_name = facts["architecture"]
    arch = _arch(gguf, arch_name)
    names = gguf.get_tensor_name_map(arch, int(facts["block_count"]))
    pairs: dict[str, dict[str, Any]] = {}
    for key, tensor in load_file(str(peft_dir / ADAPTER_WEIGHTS)).items():
        part = "a" if ".lora_A." in key else "b" if ".lora_B." in key else None
        if part is None:
            raise ModelError(f"The adapter holds a tensor that is not LoRA ({key}); it cannot be converted.")
        hf_name = key.removeprefix(_PREFIX).replace(f".lora_{part.upper()}.weight", ".weight")
        gguf_name = names.get_name(hf_name, try_suffixes=(".weight",))
        if gguf_name is None or "token_embd" in gguf_name or gguf_name.startswith("output."):
            raise ModelError(f"The adapter changes {hf_name}, which llama.cpp cannot take as a LoRA for this model.")
        pairs.setdefault(gguf_name, {})[part] = tensor.float()
    if not pairs:
        raise ModelError("The adapter is empty: no LoRA tensors were found.")

    tmp = out.with_name(out.name + ".tmp")
    writer = gguf.GGUFWriter(str(tmp), arch_name)
    writer.add_type(gguf.GGUFType.ADAPTER)
    writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
    writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, float(config["lora_alpha"]))
    for name in sorted(pairs, key=_block_order):
        a, b = pairs[name].get("a"), pairs[name].get("b")
        if a is None or b is None:
            raise ModelError(f"The adapter is incomplete: {name} lacks one of its two LoRA matrices.")
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
