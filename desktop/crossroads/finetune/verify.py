"""The other half of the parity check: llama.cpp's greedy tokens with the GGUF adapter applied.

The same prompt token ids go into both sides, so a difference means the adapter's weights or names are wrong,
not that two tokenisers disagree. The adapter is applied with ``llama_set_adapters_lora`` on a fresh context,
as the engine applies it (the model stays memory-mapped; ``Llama(lora_path=…)`` would turn that off).
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from crossroads.errors import ModelError


def llama_greedy(model_path: Path, adapter_path: Path | None, prompts: Sequence[Sequence[int]], max_new_tokens: int,
                 threads: int = 2) -> list[list[int]]:
    """Greedy tokens per prompt, stopping after an end-of-generation token (which is included, as torch's is)."""
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
        return [_one(llama_cpp, _internals, model, adapter, list(p), max_new_tokens, threads) for p in prompts]
    finally:
        if adapter:
            llama_cpp.llama_adapter_lora_free(adapter)
        model.close()


def _one(lc: object, internals: object, model: object, adapter: object, prompt: list[int], n: int,
         threads: int) -> list[int]:
    cparams = lc.llama_context_default_params()  # type: ignore[attr-defined]
    cparams.n_ctx = len(prompt) + n + 8
    cparams.n_batch = max(len(prompt), 8)
    cparams.n_ubatch = cparams.n_batch
    cparams.n_threads = cparams.n_threads_batch = threads
    ctx = internals.LlamaContext(model=model, params=cparams, verbose=True)  # type: ignore[attr-defined]
    batch = internals.LlamaBatch(n_tokens=cparams.n_batch, embd=0, n_seq_max=1, verbose=True)  # type: ignore[attr-defined]
    try:
        if adapter:
            adapters = (lc.llama_adapter_lora_p_ctypes * 1)(adapter)  # type: ignore[attr-defined]
            scales = (ctypes.c_float * 1)(1.0)
            if lc.llama_set_adapters_lora(ctx.ctx, adapters, 1, scales) != 0:  # type: ignore[attr-defined]
                raise ModelError("llama.cpp could not apply the adapter to the context.")
        vocab = lc.llama_model_get_vocab(model.model)  # type: ignore[attr-defined]
        n_vocab = lc.llama_vocab_n_tokens(vocab)  # type: ignore[attr-defined]
        out: list[int] = []
        feed, past = prompt, 0
        for _ in range(n):
            batch.set_batch(feed, n_past=past, logits_all=False)
            ctx.decode(batch)
            past += len(feed)
            logits = lc.llama_get_logits_ith(ctx.ctx, -1)  # type: ignore[attr-defined]
            token = int(np.ctypeslib.as_array(logits, shape=(n_vocab,)).argmax())
            out.append(token)
            if lc.llama_vocab_is_eog(vocab, token):  # type: ignore[attr-defined]
                break
            feed = [token]
        return out
    finally:
        batch.close()
        ctx.close()
