"""llama.cpp's side of the parity check: its logits (teacher-forced) and greedy tokens with the GGUF adapter applied.

The same token ids go into both sides, so a difference means the adapter's weights or names are wrong, not that
two tokenisers disagree. The adapter is applied with ``llama_set_adapters_lora`` on a fresh context, as the engine
applies it (the model stays memory-mapped; ``Llama(lora_path=…)`` would turn that off).
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from crossroads.errors import ModelError


def llama_logits(model_path: Path, adapter_path: Path | None, sequences: Sequence[Sequence[int]],
                 answer_from: Sequence[int], threads: int = 2) -> list[np.ndarray]:
    """Per sequence, the logits that predict its tokens from ``answer_from[i]`` on, one row per token.

    One forward pass over the whole sequence (teacher forcing), so both sides are compared on the same text even
    where their greedy choices would part.
    """
    out: list[np.ndarray] = []
    with _model(model_path, adapter_path) as (lc, internals, model, adapter):
        for seq, first in zip(sequences, answer_from, strict=True):
            if not 0 < first < len(seq):
                raise ValueError("the answer must follow at least one prompt token")
            run = partial(_forced, lc, list(seq), first)
            out.append(_in_context(lc, internals, model, adapter, len(seq), threads, run))
    return out


def llama_greedy(model_path: Path, adapter_path: Path | None, prompts: Sequence[Sequence[int]], max_new_tokens: int,
                 threads: int = 2) -> list[list[int]]:
    """Greedy tokens per prompt, stopping after an end-of-generation token (which is included, as torch's is)."""
    out: list[list[int]] = []
    with _model(model_path, adapter_path) as (lc, internals, model, adapter):
        for prompt in prompts:
            run = partial(_greedy, lc, list(prompt), max_new_tokens)
            out.append(_in_context(lc, internals, model, adapter, len(prompt) + max_new_tokens, threads, run))
    return out


def _forced(lc: Any, ids: list[int], first: int, ctx: Any, batch: Any, n_vocab: int) -> np.ndarray:
    batch.set_batch(ids, n_past=0, logits_all=True)
    ctx.decode(batch)
    return np.stack([np.ctypeslib.as_array(lc.llama_get_logits_ith(ctx.ctx, i), shape=(n_vocab,)).copy()
                     for i in range(first - 1, len(ids) - 1)])


def _greedy(lc: Any, prompt: list[int], n: int, ctx: Any, batch: Any, n_vocab: int) -> list[int]:
    vocab = lc.llama_model_get_vocab(lc.llama_get_model(ctx.ctx))
    tokens: list[int] = []
    feed, past = prompt, 0
    for _ in range(n):
        batch.set_batch(feed, n_past=past, logits_all=False)
        ctx.decode(batch)
        past += len(feed)
        token = int(np.ctypeslib.as_array(lc.llama_get_logits_ith(ctx.ctx, -1), shape=(n_vocab,)).argmax())
        tokens.append(token)
        if lc.llama_vocab_is_eog(vocab, token):
            break
        feed = [token]
    return tokens


@contextmanager
def _model(model_path: Path, adapter_path: Path | None) -> Iterator[tuple[Any, Any, Any, Any]]:
    from crossroads.engine import llama_log

    llama_log.silence()
    import llama_cpp
    from llama_cpp import _internals

    params = llama_cpp.llama_model_default_params()
    params.n_gpu_layers = 0
    params.use_mmap = True
    model = _internals.LlamaModel(path_model=str(model_path), params=params, verbose=True)
    adapter = None
    try:
        if adapter_path is not None:
            adapter = llama_cpp.llama_adapter_lora_init(model.model, str(adapter_path).encode("utf-8"))
            if not adapter:
                raise ModelError(f"llama.cpp refused the adapter {adapter_path.name} for {model_path.name}.")
        yield llama_cpp, _internals, model, adapter
    finally:
        if adapter:
            llama_cpp.llama_adapter_lora_free(adapter)
        model.close()


def _in_context(lc: Any, internals: Any, model: Any, adapter: Any, n_tokens: int, threads: int,
                run: Callable[[Any, Any, int], Any]) -> Any:
    """A fresh context sized for ``n_tokens`` (a whole sequence in one batch), the adapter set on it."""
    cparams = lc.llama_context_default_params()
    cparams.n_ctx = n_tokens + 8
    cparams.n_batch = cparams.n_ubatch = max(n_tokens, 8)
    cparams.n_threads = cparams.n_threads_batch = threads
    ctx = internals.LlamaContext(model=model, params=cparams, verbose=True)
    batch = internals.LlamaBatch(n_tokens=cparams.n_batch, embd=0, n_seq_max=1, verbose=True)
    try:
        if adapter:
            adapters = (lc.llama_adapter_lora_p_ctypes * 1)(adapter)
            scales = (ctypes.c_float * 1)(1.0)
            if lc.llama_set_adapters_lora(ctx.ctx, adapters, 1, scales) != 0:
                raise ModelError("llama.cpp could not apply the adapter to the context.")
        n_vocab = lc.llama_vocab_n_tokens(lc.llama_model_get_vocab(model.model))
        return run(ctx, batch, n_vocab)
    finally:
        batch.close()
        ctx.close()
