"""How often what the documents column reads still holds the answer: retrieval and focus, without generation.

The quality harness (``eval_quality.py``) needs the chat model to write every answer, tens of minutes per set on
two cores. Whether focus keeps the answering sentence is a question about retrieval and sentence scoring alone,
answered here in a minute per set, so a change to focus can be tried on every set before the long run:

    .venv/bin/python bench/eval_focus.py [--sets squad,demo,pytutorial] [--budgets 0,300]

One line per set and budget (0: whole passages)::

    FOCUS <set> budget=<tokens> n=<answerable questions> hit=<gold in the passages read> read_tokens=<median>

The knowledge bases are the quality harness's (``.eval-cache``), built the same way; tokens are counted with the
chat model's own tokenizer (loaded vocabulary-only).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Sequence

from eval_quality import REPO, SETS, demo_set, pytutorial_set, squad_set


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--budgets", default="0,300", help="focus budgets in tokens, comma-separated (0: off)")
    parser.add_argument("--sample", type=int, help="only N SQuAD questions (default: all 810)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--work", default=str(REPO / ".eval-cache"))
    parser.add_argument("--embed-backend", default="auto", choices=("auto", "onnx", "torch"),
                        help="what computes the vectors (compare backends with a separate --work each)")
    args = parser.parse_args(argv)

    from pathlib import Path

    import llama_cpp

    from crossroads.config import Settings
    from crossroads.evaluation.metrics import retrieval_hit
    from crossroads.models.catalog import resolve_chat_model, resolve_embedding_model
    from crossroads.rag.embedding import Embedder
    from crossroads.rag.focus import focus
    from crossroads.rag.retrieval import retrieve
    from crossroads.store import KnowledgeBase

    settings = Settings()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    vocab = llama_cpp.Llama(str(resolve_chat_model(None)), vocab_only=True, verbose=False)

    def count_tokens(text: str) -> int:
        return len(vocab.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    embedder = Embedder(resolve_embedding_model(None), backend=args.embed_backend)
    print(f"# embedder backend: {embedder.backend} (questions and focus: {embedder.question_backend})", flush=True)
    builders = {"squad": lambda: squad_set(args.sample, args.seed), "demo": demo_set,
                "pytutorial": lambda: pytutorial_set(work)}
    budgets = [int(b) for b in args.budgets.split(",") if b.strip()]
    for name in [s.strip() for s in args.sets.split(",") if s.strip()]:
        qset = builders[name]()
        kb = KnowledgeBase.open(work / f"kb-{name}", create=True)
        try:
            kb.add_paths(qset.files, embedder, settings.chunk_tokens, settings.chunk_overlap)
            items = [i for i in qset.items if i.answers]
            hits: dict[int, list[float]] = {b: [] for b in budgets}
            read: dict[int, list[int]] = {b: [] for b in budgets}
            for item in items:
                vector = embedder.encode_query(item.question)
                passages = [h.chunk.text for h in retrieve(kb, embedder, item.question, top_k=settings.top_k,
                                                             query_vector=vector)]
                for budget in budgets:
                    texts = passages if budget <= 0 else [
                        f.text for f in focus(item.question, passages, embedder.encode_for_question, vector, budget,
                                              count_tokens)
                    ]
                    hits[budget].append(retrieval_hit(texts, item.answers))
                    read[budget].append(sum(count_tokens(t) for t in texts))
            for budget in budgets:
                print(f"FOCUS {name} budget={budget} n={len(items)} hit={statistics.fmean(hits[budget]):.3f} "
                      f"read_tokens={statistics.median(read[budget]):g}", flush=True)
        finally:
            kb.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
