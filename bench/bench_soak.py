"""Soak: many questions, plain and with documents, in one process - does anything grow or slow down?

One engine, one embedder and one knowledge base (the demo documents) answer the demo questions over and over, as a
long afternoon of demos would. After a warm-up (the first tenth), resident memory should stay flat (bar: under
5 % drift), open file handles should not grow, and generation speed in the last tenth should match the first.
The tiny model is the default: this measures the process, not the model (``--model`` picks another).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import tempfile
import time
from pathlib import Path

import psutil

from _common import report
from crossroads.compare import run_comparison
from crossroads.demo import demo_documents, demo_questions
from crossroads.engine.events import SamplingParams
from crossroads.engine.llama_engine import LlamaEngine
from crossroads.models.catalog import resolve_chat_model, resolve_embedding_model
from crossroads.rag.embedding import Embedder
from crossroads.store import KnowledgeBase

DRIFT_BAR_PCT = 5.0


def handles(process: psutil.Process) -> int:
    return process.num_fds() if hasattr(process, "num_fds") else process.num_handles()


def soak(model: Path, questions: int, max_tokens: int, threads: int) -> None:
    process = psutil.Process()
    asked = [q.question for q in demo_questions()]
    with tempfile.TemporaryDirectory() as tmp:
        embedder = Embedder(resolve_embedding_model(None))
        kb = KnowledgeBase.open(Path(tmp) / "kb", create=True)
        kb.add_paths([demo_documents()], embedder)
        engine = LlamaEngine(model, context_size=4096, threads=threads, max_sequences=2)
        warm_up = max(5, questions // 10)
        rss: list[int] = []
        fds: list[int] = []
        speeds: list[float] = []
        began = time.perf_counter()
        for i in range(questions):
            result = run_comparison(asked[i % len(asked)], engine, ("plain", "rag"), kb=kb, embedder=embedder,
                                    params=SamplingParams(max_tokens=max_tokens, seed=i))
            speeds.append(statistics.mean(a.timings.tokens_per_s for a in result.answers))
            if i + 1 == warm_up or i + 1 == questions:
                gc.collect()
            rss.append(process.memory_info().rss)
            fds.append(handles(process))
        seconds = time.perf_counter() - began
        engine.close()
        kb.close()
    settled, final = rss[warm_up - 1], rss[-1]
    drift = 100.0 * (final - settled) / settled
    decile = max(1, (questions - warm_up) // 10)
    first, last = speeds[warm_up : warm_up + decile], speeds[-decile:]
    note = f"{questions} questions x plain+rag, {model.name}, {max_tokens} tokens, {seconds:.0f} s"
    report("soak_rss_drift_pct", drift, DRIFT_BAR_PCT, "%",
           f"RSS {settled / 2**20:.0f} MB after warm-up -> {final / 2**20:.0f} MB, peak {max(rss) / 2**20:.0f} MB; "
           f"bar {DRIFT_BAR_PCT:g} %; {note}")
    report("soak_open_handles", fds[-1], fds[warm_up - 1], "handles", "last vs after warm-up")
    report("soak_tokens_per_s", statistics.median(last), statistics.median(first), "tokens/s",
           "median of the last tenth vs the first tenth after warm-up")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="smollm2-135m-instruct")
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="50 questions")
    args = parser.parse_args()
    soak(resolve_chat_model(args.model), 50 if args.quick else args.questions, args.max_tokens, args.threads)


if __name__ == "__main__":
    main()
