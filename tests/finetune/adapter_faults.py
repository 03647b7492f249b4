"""Real GGUF adapter files with one deliberate fault, written with the gguf library from a correct one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

Tensors = dict[str, np.ndarray]


def rewrite(source: Path, target: Path, change: Callable[[Tensors], Tensors] = lambda t: t,
            alpha: float | None = None) -> Path:
    """A copy of the adapter ``source`` whose tensors went through ``change`` (and whose alpha may differ)."""
    import gguf

    reader = gguf.GGUFReader(str(source))
    arch = bytes(reader.fields[gguf.Keys.General.ARCHITECTURE].parts[-1]).decode("utf-8")
    old_alpha = float(reader.fields[gguf.Keys.Adapter.LORA_ALPHA].parts[-1][0])
    tensors = {t.name: np.array(t.data, dtype=np.float32).reshape([int(n) for n in reversed(t.shape)])
               for t in reader.tensors}
    writer = gguf.GGUFWriter(str(target), arch)
    writer.add_type(gguf.GGUFType.ADAPTER)
    writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
    writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, old_alpha if alpha is None else alpha)
    for name, data in change(tensors).items():
        writer.add_tensor(name, np.ascontiguousarray(data, dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return target


def zero_lora_b(tensors: Tensors) -> Tensors:
    """The adapter loads but changes nothing: what a converter that lost the B matrices would write."""
    return {k: np.zeros_like(v) if k.endswith(".lora_b") else v for k, v in tensors.items()}


def negate_lora_b(tensors: Tensors) -> Tensors:
    """The adapter pushes the model the wrong way."""
    return {k: -v if k.endswith(".lora_b") else v for k, v in tensors.items()}


def shift_blocks(tensors: Tensors) -> Tensors:
    """Each block gets the next block's adapter (the last block the first's): misplaced names."""
    blocks = sorted({int(k.split(".")[1]) for k in tensors if k.startswith("blk.")})
    moved = {}
    for k, v in tensors.items():
        parts = k.split(".")
        parts[1] = str(blocks[(blocks.index(int(parts[1])) - 1) % len(blocks)])
        moved[".".join(parts)] = v
    return moved
