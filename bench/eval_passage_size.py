"""Passage size: what it costs to embed, against what it does to retrieval, in one run.

Shorter passages are cheaper to embed per passage, but there are more of them, and each holds less of what a
question needs. Both figures are measured here for each size, so the size is chosen with both in view:

    .venv/bin/python bench/eval_passage_size.py [--sizes 100,150,200,250] [--sample 200]

For each size (overlap a fifth of it, as the app's 40 of 200), the 260-page PDF of ``bench_indexing`` is indexed
into a new knowledge base with the app's embedder (after a warm-up; the sizes take turns, median of ``--runs``),
then every set's knowledge base is built at that size and its answerable questions retrieved, without generation::

    PASSAGES pdf chunk_tokens=<n> index_s=<s> passages=<n> passages_per_s=<x> ratio_vs_app=<x>
    PASSAGES <set> chunk_tokens=<n> n=<questions> hit=<gold in the retrieved passages> focus_hit=<gold in what
        focus keeps> read_tokens=<median tokens the model reads>

``hit`` and ``focus_hit`` are the quality harness's ``retrieval_hit`` on the passages and on focus's selection
(300 tokens, the app's setting); whether the model then answers is ``eval_quality.py --chunk-tokens N``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench_indexing import PDF_PAGES, write_manual_pdf
from eval_quality import REPO, SETS, demo_set, pytutorial_set, squad_set


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,150,200,250",
                        help="passage sizes in tokens, comma-separated (the embedder reads at most 254)")
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--runs", type=int, default=3, help="timed indexing runs per size (median)")
    parser.add_argument("--sample", type=int, help="only N SQuAD questions (default: all 810)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--work", default=str(REPO / ".eval-cache"))
    args = parser.parse_args(argv)

    import llama_cpp

    from crossroads.compare import FOCUS_TOKENS
    from crossroads.config import Settings
    from crossroads.evaluation.metrics import retrieval_hit
    from crossroads.models.catalog import resolve_chat_model, resolve_embedding_model
    from crossroads.rag.embedding import Embedder
    from crossroads.rag.focus import focus
    from crossroads.rag.retrieval import retrieve
    from crossroads.store import KnowledgeBase

    settings = Settings()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    vocab = llama_cpp.Llama(str(resolve_chat_model(None)), vocab_only=True, verbose=False)

    def count_tokens(text: str) -> int:
        return len(vocab.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    embedder = Embedder(resolve_embedding_model(None))
    print(f"# embedder backend: {embedder.backend} (questions and focus: {embedder.question_backend})", flush=True)

    with tempfile.TemporaryDirectory(prefix="crossroads-passages-") as tmp:
        root = Path(tmp)
        pdf = write_manual_pdf(root / "Service-Manual.pdf", PDF_PAGES)
        embedder.encode(["warm-up passage"] * 32)
        seconds: dict[int, list[float]] = {size: [] for size in sizes}
        passages: dict[int, int] = {}
        for _ in range(args.runs):  # the sizes take turns, so a busy spell on the machine hits them alike
            for size in sizes:
                kb_dir = root / f"kb-{size}"
                with KnowledgeBase.open(kb_dir, create=True) as kb:
                    began = time.perf_counter()
                    passages[size] = kb.add_paths([pdf], embedder, size, size // 5).chunks_added
                    seconds[size].append(time.perf_counter() - began)
                shutil.rmtree(kb_dir)
        app = statistics.median(seconds[settings.chunk_tokens]) if settings.chunk_tokens in seconds else None
        for size in sizes:
            median = statistics.median(seconds[size])
            ratio = f" ratio_vs_app={median / app:.2f}" if app else ""
            print(f"PASSAGES pdf chunk_tokens={size} index_s={median:.2f} passages={passages[size]} "
                  f"passages_per_s={passages[size] / median:.1f}{ratio}", flush=True)

    builders = {"squad": lambda: squad_set(args.sample, args.seed), "demo": demo_set,
                "pytutorial": lambda: pytutorial_set(work)}
    for name in [s.strip() for s in args.sets.split(",") if s.strip()]:
        qset = builders[name]()
        items = [i for i in qset.items if i.answers]
        for size in sizes:
            folder = f"kb-{name}" if size == settings.chunk_tokens else f"kb-{name}-c{size}"
            with KnowledgeBase.open(work / folder, create=True) as kb:
                kb.add_paths(qset.files, embedder, size, settings.chunk_overlap if size == settings.chunk_tokens
                             else size // 5)
                hits, kept, read = [], [], []
                for item in items:
                    vector = embedder.encode_query(item.question)
                    passages = [h.chunk.text for h in retrieve(kb, embedder, item.question, top_k=settings.top_k,
                                                                 query_vector=vector)]
                    chosen = [f.text for f in focus(item.question, passages, embedder.encode_for_question, vector,
                                                    FOCUS_TOKENS, count_tokens)]
                    hits.append(retrieval_hit(passages, item.answers))
                    kept.append(retrieval_hit(chosen, item.answers))
                    read.append(sum(count_tokens(t) for t in chosen))
            print(f"PASSAGES {name} chunk_tokens={size} n={len(items)} hit={statistics.fmean(hits):.3f} "
                  f"focus_hit={statistics.fmean(kept):.3f} read_tokens={statistics.median(read):g}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
