"""Generation: our engine against llama-cpp-python called directly, and side by side against one answer alone.

Both sides use the same GGUF, threads, context and prompt tokens, greedy decoding, and the same number of new
tokens (end-of-turn is suppressed on both sides so every run generates exactly N tokens). Each figure is the median
of several runs; the machine is shared and noisy, so read the ratios.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import multiprocessing
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from _common import report
from crossroads.engine.chat_template import Message
from crossroads.engine.events import SamplingParams, SequenceDone
from crossroads.engine.llama_engine import LlamaEngine
from crossroads.models.catalog import resolve_chat_model
from crossroads.rag.prompting import SourceText, plain_prompt, rag_prompt

QUESTION = "How many days a week may employees work from home?"
STORY = [Message("system", "You are a helpful assistant."), Message("user", "Write a long story about a dragon.")]


def _engine_gen_speed(engine: LlamaEngine, tokens: int) -> float:
    done = None
    engine.clear_cache()  # cold cache: the same work as the baseline
    for event in engine.generate([STORY], SamplingParams(max_tokens=tokens, ignore_eos=True)):
        if isinstance(event, SequenceDone):
            done = event
    assert done is not None and done.timings.completion_tokens == tokens
    return done.timings.tokens_per_s


def _direct_gen_speed(llm, prompt_tokens: list[int], tokens: int) -> float:
    import llama_cpp

    llm.reset()
    eos = llm.token_eos()
    first = None
    count = 0
    began = time.perf_counter()
    for _ in llm.create_completion(prompt_tokens, max_tokens=tokens, temperature=0.0, stream=True,
                                   logit_bias={eos: -math.inf}):
        count += 1
        if first is None:
            first = time.perf_counter()
    end = time.perf_counter()
    del began, llama_cpp
    return (count - 1) / (end - first) if first and count > 1 else 0.0


def _spin(ready: Any, stop: Any) -> None:
    """A CPU-bound neighbour: what a laptop's browser tab or virus scan does to one core."""
    ready.set()
    while not stop.is_set():
        sum(i * i for i in range(20_000))


@contextlib.contextmanager
def neighbour(busy: bool) -> Iterator[None]:
    """With ``busy``, one process spinning on a core for the duration (a fresh process: not this one's threads)."""
    if not busy:
        yield
        return
    context = multiprocessing.get_context("spawn")
    ready, stop = context.Event(), context.Event()
    process = context.Process(target=_spin, args=(ready, stop), daemon=True)
    process.start()
    try:
        if not ready.wait(timeout=60):
            raise RuntimeError("the neighbour process did not start")
        yield
    finally:
        stop.set()
        process.join(timeout=10)


def bench_generation_speed(model: Path, threads: int, runs: int, tokens: int, busy: bool = False) -> None:
    """Ours and the direct call take turns, so a busy spell on the shared machine hits both alike. With ``busy``,
    both run beside a CPU-bound neighbour process, as on a laptop doing other work."""
    import statistics

    from llama_cpp import Llama

    engine = LlamaEngine(model, context_size=2048, threads=threads, max_sequences=2)
    prompt = engine.prompt_tokens(STORY)
    llm = Llama(str(model), n_ctx=2048, n_threads=threads, n_threads_batch=threads, flash_attn=True, verbose=False)
    ours, baseline = [], []
    with neighbour(busy):
        for _ in range(runs):
            ours.append(_engine_gen_speed(engine, tokens))
            baseline.append(_direct_gen_speed(llm, prompt, tokens))
    engine.close()
    llm.close()
    report("generation_tokens_per_s_loaded" if busy else "generation_tokens_per_s", statistics.median(ours),
           statistics.median(baseline), "tokens/s", f"{model.name}, {threads} threads, {tokens} tokens, runs "
           f"interleaved{', beside a CPU-bound neighbour process' if busy else ''}")


def _side_by_side(engine: LlamaEngine, prompts, tokens: int, with_adapter: list[bool] | None = None) -> float:
    return _timed_answers(engine, prompts, tokens, with_adapter)[0]


def _timed_answers(
    engine: LlamaEngine, prompts, tokens: int, with_adapter: list[bool] | None = None
) -> tuple[float, list[float]]:
    """Wall time of answering ``prompts`` together, and each answer's time to its first token."""
    engine.clear_cache()  # cold caches: every run reads its prompts in full
    params = SamplingParams(max_tokens=tokens, ignore_eos=True)
    began = time.perf_counter()
    first: dict[int, float] = {}
    for event in engine.generate(prompts, params, with_adapter=with_adapter):
        if isinstance(event, SequenceDone):
            first[event.seq] = event.timings.ttft_s
    return time.perf_counter() - began, [first[i] for i in range(len(prompts))]


def _demo_prompts(engine: LlamaEngine) -> tuple[list[Message], list[Message]]:
    """The plain and documents prompts of one demo question, with three handbook pages as passages."""
    from crossroads.ingest import load_document

    handbook = Path(__file__).resolve().parent.parent / "assets" / "demo" / "documents" / "Employee-Handbook.pdf"
    pages = load_document(handbook).sections[1:4]
    sources = [SourceText(i + 1, f"Employee-Handbook.pdf, page {s.page}", s.text[:1200]) for i, s in enumerate(pages)]
    return plain_prompt(QUESTION).messages, rag_prompt(QUESTION, sources, engine.count_tokens, 3000).messages


def bench_side_by_side(model: Path, threads: int, runs: int, tokens: int) -> None:
    """The app's layout (see ``LlamaEngine``), and one batched context for every column beside it."""
    engine = LlamaEngine(model, context_size=4096, threads=threads, max_sequences=2)
    batched = LlamaEngine(model, context_size=4096, threads=threads, max_sequences=2, column_contexts=False)
    plain, rag = _demo_prompts(engine)
    import statistics

    alone, plain_alone, both, both_batched = [], [], [], []
    rag_first, rag_first_batched = [], []
    for _ in range(runs):  # interleaved, like the speed bench
        alone.append(_side_by_side(engine, [rag], tokens))
        plain_alone.append(_side_by_side(engine, [plain], tokens))
        wall, firsts = _timed_answers(engine, [plain, rag], tokens)
        both.append(wall)
        rag_first.append(firsts[1])
        wall, firsts = _timed_answers(batched, [plain, rag], tokens)
        both_batched.append(wall)
        rag_first_batched.append(firsts[1])
    alone_s, plain_s, both_s, batched_s = (statistics.median(x) for x in (alone, plain_alone, both, both_batched))
    layout = "a context per column" if engine.column_contexts else "one batched context"
    engine.close()
    batched.close()
    report("side_by_side_wall_s", both_s, alone_s, "s", f"both answers together ({layout}) vs the RAG answer alone")
    report("side_by_side_vs_sequential_s", both_s, alone_s + plain_s, "s", "together vs one after the other")
    report("side_by_side_batched_wall_s", batched_s, alone_s, "s",
           "both answers in one batched context (the layout above two threads) vs the RAG answer alone")
    report("side_by_side_rag_first_token_s", statistics.median(rag_first), statistics.median(rag_first_batched), "s",
           f"the documents column's first token beside the model-only column, {layout} vs one batched context")


def bench_decode_sharing(model: Path, threads: int, runs: int, tokens: int) -> None:
    """What decoding two answers at once costs on this CPU against one answer, in one batched context; and what
    the app's layout for this thread count (a context per column, decoding at the same time, up to two threads)
    does against that batch. Short prompts: this is the decoding alone."""
    import statistics

    batched = LlamaEngine(model, context_size=2048, threads=threads, max_sequences=2, column_contexts=False)
    app = LlamaEngine(model, context_size=2048, threads=threads, max_sequences=2)
    params = SamplingParams(max_tokens=tokens, ignore_eos=True)

    def wall(engine: LlamaEngine, prompts: list[list[Message]]) -> float:
        engine.clear_cache()
        began = time.perf_counter()
        for _ in engine.generate(prompts, params):
            pass
        return time.perf_counter() - began

    one, two_batched, two_app = [], [], []
    for _ in range(runs):
        one.append(wall(batched, [STORY]))
        two_batched.append(wall(batched, [STORY, STORY]))
        two_app.append(wall(app, [STORY, STORY]))
    batched.close()
    app.close()
    one_s, batched_s, app_s = (statistics.median(x) for x in (one, two_batched, two_app))
    report("decode_two_batched_s", batched_s, one_s, "s",
           f"two answers in one batched context ({threads} threads) vs one answer, {tokens} tokens each")
    report("decode_two_app_layout_s", app_s, batched_s, "s",
           f"two answers in the app's layout for {threads} threads (a context per column: "
           f"{'yes' if app.column_contexts else 'no'}) vs one batched context")


def bench_four_columns(model: Path, threads: int, runs: int, tokens: int) -> None:
    """All four columns (the fine-tuned two on the adapter's context) against the two base columns."""
    import statistics

    from crossroads.demo import demo_adapter_for

    adapter = demo_adapter_for(model)
    if adapter is None:
        print(f"# four_columns_wall_s skipped: the demo adapter was not trained on {model.name}", flush=True)
        return
    engine = LlamaEngine(model, context_size=4096, threads=threads, max_sequences=2)
    engine.load_adapter(adapter)
    plain, rag = _demo_prompts(engine)
    two, four = [], []
    for _ in range(runs):
        two.append(_side_by_side(engine, [plain, rag], tokens))
        four.append(_side_by_side(engine, [plain, rag, plain, rag], tokens, [False, False, True, True]))
    engine.close()
    report("four_columns_wall_s", statistics.median(four), statistics.median(two), "s",
           f"four columns (demo adapter {adapter.name}) vs the two base columns, {tokens} tokens each")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=None)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=128)
    args = parser.parse_args()
    model = resolve_chat_model(args.model)
    bench_generation_speed(model, args.threads, args.runs, args.tokens)
    bench_generation_speed(model, args.threads, args.runs, args.tokens, busy=True)
    bench_side_by_side(model, args.threads, args.runs, min(args.tokens, 64))
    bench_decode_sharing(model, args.threads, args.runs, min(args.tokens, 64))
    bench_four_columns(model, args.threads, args.runs, min(args.tokens, 64))


if __name__ == "__main__":
    main()
