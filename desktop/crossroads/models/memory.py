"""Will this model fit? A refusal with plain numbers beats an out-of-memory crash in front of a client.

The estimate follows how llama.cpp spends memory:
- weights: the file is memory-mapped and every token reads all of it, so count its whole size once
  (several contexts on one file share the mapping);
- KV cache: per context, ``n_ctx x layers x 2 (K and V) x kv_heads x head_dim x 2 bytes`` (f16 cache);
- compute buffer: per context, sized for the larger of the logits of one micro-batch
  (``n_vocab x n_ubatch x 4``) and the attention scores (``n_ctx x n_ubatch x heads x 4``), plus a little;
- a fixed allowance for the runtime (Python, llama.cpp, repacked weights), once.

Checked against llama.cpp 0.3.36's own log here (compute buffer, logged / estimated): SmolLM2 99 / 112 MiB at
n_ctx 2048 and 166 / 160 MiB at 8192; Qwen2.5 0.5B 300 / 313 MiB at 2048 and 302 / 313 MiB at 8192. The KV
cache matches the log exactly (45 MiB and 24 MiB at 2048).
"""

from __future__ import annotations

from dataclasses import dataclass

from crossroads.errors import ModelError
from crossroads.models.gguf_info import GGUFInfo

_F16, _F32 = 2, 4
_UBATCH = 512  # llama.cpp's default n_ubatch: the compute buffer is sized for one micro-batch
_GRAPH_EXTRA = 16 * 1024**2  # per context: norms, rope and the other small tensors of the graph
_RUNTIME = 128 * 1024**2  # once: Python and llama.cpp themselves, repacked weights, tokenizer tables
_DEFAULT_VOCAB = 32_000  # when the file does not say (typical of llama-family models)


@dataclass(frozen=True)
class MemoryEstimate:
    weights_bytes: int
    kv_cache_bytes: int
    overhead_bytes: int
    total_bytes: int
    available_bytes: int
    fits: bool


def kv_cache_bytes(info: GGUFInfo, context_size: int) -> int:
    """f16 K and V for every layer; head_dim from the attention key/value lengths when the file has them."""
    layers, width = info.block_count, info.embedding_length
    if not layers or not width:
        return 0
    heads = info.head_count or 1
    kv_heads = info.head_count_kv or heads  # no GQA field: as many KV heads as heads (llama.cpp's default)
    arch = info.architecture
    key_len = _int(info.metadata.get(f"{arch}.attention.key_length")) or width // heads
    value_len = _int(info.metadata.get(f"{arch}.attention.value_length")) or width // heads
    return context_size * layers * kv_heads * (key_len + value_len) * _F16


def compute_buffer_bytes(info: GGUFInfo, context_size: int) -> int:
    ubatch = min(_UBATCH, context_size)
    logits = (info.vocab_size or _DEFAULT_VOCAB) * ubatch * _F32
    scores = context_size * ubatch * (info.head_count or 1) * _F32
    return max(logits, scores) + _GRAPH_EXTRA


def estimate_memory(info: GGUFInfo, context_size: int, sequences: int = 1) -> MemoryEstimate:
    """``sequences`` contexts of ``context_size`` tokens each (e.g. one per Compare column) on one file."""
    import psutil

    if context_size <= 0 or sequences <= 0:
        raise ModelError("The context size and the number of answers at once must be at least 1.")
    weights = info.file_size
    kv = kv_cache_bytes(info, context_size) * sequences
    overhead = compute_buffer_bytes(info, context_size) * sequences + _RUNTIME
    total = weights + kv + overhead
    available = int(psutil.virtual_memory().available)
    return MemoryEstimate(weights, kv, overhead, total, available, fits=total <= available)


def check_fits(info: GGUFInfo, context_size: int, sequences: int = 1) -> None:
    estimate = estimate_memory(info, context_size, sequences)
    if estimate.fits:
        return
    if estimate.kv_cache_bytes > estimate.weights_bytes:  # the context, not the model, is what is too big
        advice = f"lower the context size (now {context_size:,} tokens) or choose a smaller model"
    else:
        advice = "choose a smaller model (a lower quantisation such as Q4_K_M, or fewer parameters)"
    raise ModelError(
        f"This model needs about {gigabytes(estimate.total_bytes)} of memory but only "
        f"{gigabytes(estimate.available_bytes)} is free. Close other programs or {advice}."
    )


def gigabytes(n: int) -> str:
    """Human size with one decimal: people compare these numbers with what their laptop has."""
    return f"{n / 1e9:.1f} GB" if n >= 1e8 else f"{n / 1e6:.0f} MB"


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None
