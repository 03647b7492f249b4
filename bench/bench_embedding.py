"""Embedding backends for the same all-MiniLM-L6-v2 vectors, side by side on the same passages.

The passages are the chunks our indexer makes of the bundled demo documents and the generated 260-page manual
(``bench_indexing``'s PDF). The baseline is sentence-transformers in float32, ``encode(texts, batch_size=32)``,
measured in the same run; the candidates are ONNX Runtime float32 (the graph our embedder exports), ONNX Runtime
with dynamic int8 weights, and llama.cpp (through llama-cpp-python) on the same model written as a GGUF in float32
and float16 (``_minilm_gguf``), each fed longest-first batches of 32 like sentence-transformers does. Runs alternate
between the sides so a busy neighbour hurts all alike; medians are printed. Beside each speed, the lowest cosine
to the float32 vectors over every timed passage (all by default): a backend is only usable at 0.99 or more (then
knowledge bases embedded before stay interchangeable). bfloat16 autocast is measured only where the CPU has native bf16.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from _common import report, timed
from _minilm_gguf import convert as convert_to_gguf
from bench_indexing import PDF_PAGES, write_manual_pdf
from crossroads.demo import demo_documents
from crossroads.ingest.load import load_document
from crossroads.models.catalog import resolve_embedding_model
from crossroads.rag.chunking import chunk_document
from crossroads.rag.embedding import cpu_has_native_bf16
from crossroads.rag.onnx_embedding import OnnxEncoder

BATCH = 32
MIN_COSINE = 0.99


def passages(folder: Path, root: Path) -> list[str]:
    """The indexer's chunks (default settings) of the demo documents and the generated manual."""
    from tokenizers import Tokenizer

    counter = Tokenizer.from_file(str(folder / "tokenizer.json"))
    counter.no_padding()
    counter.no_truncation()

    def count(text: str) -> int:
        return len(counter.encode(text, add_special_tokens=False).ids)

    files = [*sorted(demo_documents().iterdir()), write_manual_pdf(root / "Service-Manual.pdf", PDF_PAGES)]
    return [c.text for path in files for c in chunk_document(load_document(path), count)]


def evenly(texts: list[str], n: int) -> list[str]:
    """n passages spread over the whole list (short and long ones alike), or all of them."""
    if n <= 0 or n >= len(texts):
        return texts
    return [texts[round(i * (len(texts) - 1) / (n - 1))] for i in range(n)] if n > 1 else texts[:1]


def batched(encode: Callable[[list[str]], np.ndarray], texts: list[str]) -> np.ndarray:
    """Longest first in batches of 32, put back in order and L2-normalised: what the embedder does."""
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    out = np.empty((len(texts), 384), dtype=np.float32)
    for begin in range(0, len(order), BATCH):
        rows = order[begin : begin + BATCH]
        out[rows] = encode([texts[i] for i in rows])
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def llama_encoder(folder: Path, path: Path, dtype: str, batch_tokens: int) -> Callable[[list[str]], np.ndarray]:
    """llama.cpp embedding the passages of one call in as few batches as fit ``batch_tokens``, mean-pooled by
    llama.cpp (the GGUF says so), with the embedder's thread count. Flash attention and a batch of several passages
    of 512 tokens were the fastest settings in a trial (plain attention 0.4x, 2048 or 4096 tokens 0.75x and 0.54x,
    one passage per call 0.95x)."""
    import torch
    from llama_cpp import Llama

    from crossroads.engine import llama_log

    llama_log.silence()

    model = Llama(str(convert_to_gguf(folder, path, dtype)), embedding=True, n_ctx=batch_tokens,
                  n_batch=batch_tokens, n_ubatch=batch_tokens, n_threads=torch.get_num_threads(),
                  n_threads_batch=torch.get_num_threads(), flash_attn=True,
                  verbose=True)  # llama_log routes its lines away

    def encode(texts: list[str]) -> np.ndarray:
        return np.asarray(model.embed(texts, normalize=False, truncate=True), dtype=np.float32)

    return encode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="one run of each, 128 passages")
    parser.add_argument("--passages", type=int, default=0, help="time only N passages spread over all (0: all)")
    parser.add_argument("--threads", type=int, default=0, help="ONNX Runtime threads (0: the embedder's default)")
    parser.add_argument("--no-int8", action="store_true")
    parser.add_argument("--no-gguf", action="store_true", help="leave out llama.cpp")
    parser.add_argument("--gguf-batch", type=int, default=512,
                        help="llama.cpp's batch in tokens: several passages, attention kept within each")
    args, _ = parser.parse_known_args()  # run_all forwards every flag to every script: ignore others'
    runs = 1 if args.quick else args.runs

    import torch
    from sentence_transformers import SentenceTransformer

    folder = resolve_embedding_model(None)
    bf16 = cpu_has_native_bf16()
    with tempfile.TemporaryDirectory(prefix="crossroads-bench-") as tmp:
        root = Path(tmp)
        every = passages(folder, root)
        texts = evenly(every, 128 if args.quick and not args.passages else args.passages)
        direct = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
        cache = root / "onnx"  # exported here, in this run: the export time is part of the report
        export_s, fp32 = timed(lambda: OnnxEncoder(folder, cache_dir=cache, threads=args.threads))
        sides: dict[str, Callable[[list[str]], np.ndarray]] = {
            "st_fp32": lambda t: direct.encode(t, batch_size=BATCH, convert_to_numpy=True, show_progress_bar=False),
            "onnx_fp32": lambda t: batched(fp32.encode, t),
        }
        int8_s = 0.0
        if not args.no_int8:
            int8_s, int8 = timed(lambda: OnnxEncoder(folder, cache_dir=cache, threads=args.threads, quantized=True))
            sides["onnx_int8"] = lambda t: batched(int8.encode, t)
        gguf_s: dict[str, float] = {}
        if not args.no_gguf:
            for dtype in ("f32", "f16"):
                gguf_s[f"gguf_{dtype}"], encode = timed(
                    lambda dtype=dtype: llama_encoder(folder, root / f"minilm-{dtype}.gguf", dtype, args.gguf_batch))
                sides[f"gguf_{dtype}"] = lambda t, encode=encode: batched(encode, t)
        if bf16:
            def autocast(t: list[str]) -> np.ndarray:
                with torch.autocast("cpu", dtype=torch.bfloat16):
                    return direct.encode(t, batch_size=BATCH, convert_to_numpy=True, show_progress_bar=False)
            sides["st_bf16"] = autocast

        for fn in sides.values():  # warm-up: thread pools and first-shape costs fall on no measurement
            fn(texts[:BATCH])
        speed: dict[str, list[float]] = {name: [] for name in sides}
        vectors: dict[str, np.ndarray] = {}
        for _ in range(runs):
            for name, fn in sides.items():
                seconds, got = timed(lambda fn=fn: fn(texts))
                speed[name].append(len(texts) / seconds)
                vectors.setdefault(name, np.asarray(got, dtype=np.float32))
        med = {name: statistics.median(v) for name, v in speed.items()}
        # Quality on every timed passage: the lowest cosine of each candidate to the float32 vectors.
        cosines = {name: float(np.min(np.sum(v * vectors["st_fp32"], axis=1)))
                   for name, v in vectors.items() if name != "st_fp32"}

    note = (f"{len(texts)} of {len(every)} passages (demo documents + {PDF_PAGES}-page manual), batch {BATCH}, "
            f"median of {runs}, baseline sentence-transformers fp32 in the same run")
    for name, cosine in cosines.items():
        verdict = "usable" if cosine >= MIN_COSINE else "REJECTED: vectors differ"
        extra = {"onnx_fp32": f"; export {export_s:.1f} s", "onnx_int8": f"; export+quantise {int8_s:.1f} s",
                 **{k: f"; convert+load {v:.1f} s, llama.cpp batch {args.gguf_batch} tokens"
                    for k, v in gguf_s.items()}}
        report(f"embed_{name}_passages_per_s", med[name], med["st_fp32"], "passages/s",
               f"{note}; min cosine {cosine:.4f} over those passages, {verdict}{extra.get(name, '')}")
        report(f"embed_{name}_min_cosine", cosine, MIN_COSINE, "cosine",
               f"lowest cosine to sentence-transformers fp32 over the {len(texts)} timed passages; bar 0.99")
    if not bf16:
        print("# bf16 autocast not measured: this CPU has no native bfloat16 (AVX512_BF16/AMX), "
              "where it was measured 45x slower", flush=True)
    with contextlib.suppress(Exception):
        print(f"# ONNX Runtime threads: {fp32._session.get_session_options().intra_op_num_threads}", flush=True)


if __name__ == "__main__":
    main()
