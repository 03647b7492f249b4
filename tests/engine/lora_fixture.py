"""Real GGUF LoRA adapters for the tiny test model, written with the ``gguf`` package (no training needed).

The layout is what llama.cpp's converter writes and its loader checks: ``general.type = adapter``,
``adapter.type = lora``, ``adapter.lora.alpha``, the base's ``general.architecture``, and per adapted weight
``<name>.lora_a`` (ggml shape [n_in, rank]) and ``<name>.lora_b`` ([rank, n_out]), read off the base GGUF.
Random, seeded ``lora_b`` values change the greedy answer visibly; zero ones leave the model exactly as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

TARGETS = ("attn_q", "attn_v", "ffn_up")


def base_shapes(base: Path, targets: Iterable[str] = TARGETS) -> tuple[str, dict[str, tuple[int, int]]]:
    """The base model's architecture and, per adapted weight, its ggml shape (n_in, n_out)."""
    import gguf

    reader = gguf.GGUFReader(base)
    arch = reader.fields["general.architecture"].contents()
    wanted = tuple(f".{t}.weight" for t in targets)
    shapes = {
        t.name: (int(t.shape[0]), int(t.shape[1]))
        for t in reader.tensors
        if t.name.startswith("blk.") and t.name.endswith(wanted)
    }
    return arch, shapes


def write_lora(
    base: Path,
    out: Path,
    *,
    rank: int = 8,
    alpha: float = 16.0,
    strength: float = 0.08,
    seed: int = 7,
    architecture: str | None = None,
    general_type: str = "adapter",
    adapter_type: str | None = "lora",
    reshape: Callable[[str, int, int], tuple[int, int]] | None = None,
    rename: Callable[[str], str] | None = None,
) -> Path:
    """Write a LoRA adapter for ``base``; the keyword arguments make the broken variants the tests need."""
    import gguf
    import numpy as np

    arch, shapes = base_shapes(base)
    rng = np.random.default_rng(seed)
    writer = gguf.GGUFWriter(str(out), architecture or arch)
    writer.add_type(general_type)
    if adapter_type is not None:
        writer.add_string("adapter.type", adapter_type)
    writer.add_float32("adapter.lora.alpha", alpha)
    for name, (n_in, n_out) in sorted(shapes.items()):
        if reshape is not None:
            n_in, n_out = reshape(name, n_in, n_out)
        a = (rng.standard_normal((rank, n_in)) / np.sqrt(n_in)).astype(np.float32)  # ggml [n_in, rank]
        b = (rng.standard_normal((n_out, rank)) * strength).astype(np.float32)  # ggml [rank, n_out]
        target = rename(name) if rename is not None else name
        writer.add_tensor(f"{target}.lora_a", a)
        writer.add_tensor(f"{target}.lora_b", b)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return out


def write_zero_lora(base: Path, out: Path) -> Path:
    """An adapter that changes nothing (``lora_b`` all zero): its answers must be the base model's."""
    return write_lora(base, out, strength=0.0)


def write_finetuned_model(base: Path, out: Path, *, strength: float = 0.2, seed: int = 11) -> Path:
    """A whole "fine-tuned" model: a copy of ``base`` with its norm weights (float32 tensors) perturbed in place,
    so it shares the base's vocabulary and shapes - as a real fine-tune does - but answers differently."""
    import shutil

    import gguf
    import numpy as np

    shutil.copyfile(base, out)
    rng = np.random.default_rng(seed)
    reader = gguf.GGUFReader(out, "r+")  # a writable memory map: changing the data changes the file
    for tensor in reader.tensors:
        if tensor.name.endswith("norm.weight") and tensor.tensor_type == gguf.GGMLQuantizationType.F32:
            tensor.data[...] = tensor.data * (1.0 + strength * rng.standard_normal(tensor.data.shape))
    del reader
    return out


def write_other_vocabulary_model(base: Path, out: Path) -> Path:
    """A copy of ``base`` with one vocabulary entry spelt differently (same length, so the file stays valid):
    the shapes all match, but it is not a fine-tune of ``base``."""
    import shutil

    import gguf

    shutil.copyfile(base, out)
    reader = gguf.GGUFReader(out, "r+")
    tokens = reader.fields["tokenizer.ggml.tokens"]
    for index in tokens.data[1000:]:  # past the special tokens: a plain word piece of two letters or more
        text = tokens.parts[index]
        if len(text) >= 2 and bytes(text[:2]).isalpha():
            text[0] = ord("q") if text[0] != ord("q") else ord("z")
            break
    del reader
    return out
