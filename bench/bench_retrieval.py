"""Retrieval latency at 10k and 100k chunks: ``crossroads.rag.retrieval.retrieve`` against the bare parts it is made of.

``--sizes 10000,100000,1000000`` adds the 1M-passage run of ``_retrieval_scale`` (sizes above ``SCALE_FROM``):
embedding-shaped vectors, the index candidates with recall@10, and ``retrieval_1m_with_embedding_ms``. It is not
in the default run (``make bench``): the first run builds a 1M knowledge base (~25 minutes on 2 cores, then cached
in ``.bench-cache/``) and its indexes; later runs take a few minutes.

Embedding 100k real passages would take hours here, so the knowledge base is filled through the store's own write
path (``KnowledgeBase._store_document``, what the indexer calls: SQLite rows, the FTS5 index, vector blobs and the
FAISS mirror, one transaction per document) with synthetic chunks: ~150 words drawn from the embedding model's
English vocabulary with a Zipf-like skew (so common words match many chunks, rare ones few) and random unit
vectors. Questions are embedded for real.

Ours: ``retrieve`` (dense + keyword, fused, chunk records fetched), with the question embedded beforehand and
including the embedding. Baseline: the same work done bare on the same data - a FAISS ``IndexFlatIP`` search over
the same vectors plus a raw FTS5 ``MATCH ... ORDER BY bm25 LIMIT`` on the same SQLite file (and, for the second
line, ``SentenceTransformer.encode`` of the question). Both search FAISS with one thread, as ours does. Figures are
medians over the questions; the ratio is our overhead (below 1 means ours is faster, e.g. keyword pruning).
"""

from __future__ import annotations

import argparse
import contextlib
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from _common import report
from crossroads.models.catalog import resolve_embedding_model
from crossroads.rag.chunking import Chunk
from crossroads.rag.embedding import Embedder
from crossroads.rag.retrieval import retrieve
from crossroads.store import KnowledgeBase
from crossroads.store.keyword import fts_query, query_terms
from crossroads.store.knowledge_base import BM25_WEIGHTS, DB_NAME
from crossroads.store.writes import FileFacts

SIZES = (10_000, 100_000)
SCALE_FROM = 500_000  # sizes from here on use _retrieval_scale's cached, embedding-shaped corpus
CHUNKS_PER_DOCUMENT = 500
WORDS_PER_CHUNK = 150
POOL = 40  # candidates per search, as retrieve() asks for
TOP_K = 4
BAR_MS = 50.0


class _Corpus:
    """Synthetic passages and questions over one vocabulary, reproducible from a seed."""

    def __init__(self, vocab_file: Path, dim: int, seed: int = 11) -> None:
        words = [w for w in vocab_file.read_text(encoding="utf-8").split() if w.isalpha() and len(w) > 2]
        self.words = np.array(list(dict.fromkeys(words)))
        weights = 1.0 / (np.arange(len(self.words)) + 10.0)  # vocab.txt is roughly in frequency order
        self.p = weights / weights.sum()
        self.dim = dim
        self.rng = np.random.default_rng(seed)

    def chunks(self, count: int) -> tuple[list[str], np.ndarray]:
        picks = self.rng.choice(len(self.words), size=(count, WORDS_PER_CHUNK), p=self.p)
        texts = []
        for row in self.words[picks]:
            sentences = [" ".join(row[i : i + 15]) for i in range(0, WORDS_PER_CHUNK, 15)]
            texts.append(". ".join(s.capitalize() for s in sentences) + ".")
        vectors = self.rng.standard_normal((count, self.dim)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        return texts, vectors

    def questions(self, count: int) -> list[str]:
        out = []
        for _ in range(count):
            common = self.words[self.rng.choice(len(self.words), size=2, p=self.p)]
            rare = self.words[self.rng.integers(200, len(self.words), size=2)]
            out.append(f"What does the {common[0]} {rare[0]} say about {rare[1]} and {common[1]}?")
        return out


def _fill(kb: KnowledgeBase, corpus: _Corpus, first_document: int, count: int) -> np.ndarray:
    """Add ``count`` chunks through the store's write path; returns their vectors, in chunk-id order."""
    added = []
    for number in range(first_document, first_document + count // CHUNKS_PER_DOCUMENT):
        texts, vectors = corpus.chunks(CHUNKS_PER_DOCUMENT)
        chunks, offset = [], 0
        for ordinal, text in enumerate(texts):
            chunks.append(Chunk(ordinal, text, offset, offset + len(text), ordinal // 3 + 1, None, 200))
            offset += len(text) + 2
        facts = FileFacts(f"Synthetic report {number}", f"{number:064x}", offset, 0.0, 200, 40, "pdf",
                          CHUNKS_PER_DOCUMENT // 3 + 1)
        kb._store_document(f"synthetic/report-{number:05d}.pdf", facts, chunks, vectors, None)
        added.append(vectors)
    kb.save_vectors()
    return np.concatenate(added)


class _Precomputed:
    """The real embedder's name, and the question vectors it made beforehand: retrieve() minus the embedding."""

    def __init__(self, name: str, vectors: dict[str, np.ndarray]) -> None:
        self.name = name
        self._vectors = vectors

    def encode_query(self, text: str) -> np.ndarray:
        return self._vectors[text]


def _ms(fn) -> float:  # type: ignore[no-untyped-def]
    began = time.perf_counter()
    fn()
    return (time.perf_counter() - began) * 1000


def _measure(size: int, kb: KnowledgeBase, vectors: np.ndarray, embedder: Embedder, direct, questions: list[str],
             db: Path) -> None:
    import faiss

    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    faiss.omp_set_num_threads(1)  # as our VectorIndex.search does for a single query
    weights = ", ".join(str(w) for w in BM25_WEIGHTS)
    sql = (f"SELECT rowid, bm25(chunks_fts, {weights}) AS rank FROM chunks_fts WHERE chunks_fts MATCH ? "
           "ORDER BY rank LIMIT ?")
    embedded = {q: embedder.encode_query(q) for q in questions}
    cached = _Precomputed(embedder.name, embedded)

    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:

        def bare(question: str, vector: np.ndarray) -> None:
            flat.search(vector.reshape(1, -1), POOL)
            conn.execute(sql, (fts_query(query_terms(question)), POOL)).fetchall()

        def bare_embedding(question: str) -> None:
            vector = direct.encode([question], convert_to_numpy=True, show_progress_bar=False)[0]
            bare(question, vector / np.linalg.norm(vector))

        for question in questions[:5]:  # warm-up: page cache, FTS structures, torch
            retrieve(kb, embedder, question, TOP_K)
            bare_embedding(question)
        ours, base, ours_full, base_full, hits = [], [], [], [], []
        for question in questions:  # interleaved, so noise lands on both sides alike
            ours.append(_ms(lambda q=question: hits.append(retrieve(kb, cached, q, TOP_K))))
            base.append(_ms(lambda q=question: bare(q, embedded[q])))
            ours_full.append(_ms(lambda q=question: retrieve(kb, embedder, q, TOP_K)))
            base_full.append(_ms(lambda q=question: bare_embedding(q)))
    assert all(len(h) == TOP_K for h in hits), "every question should find passages"
    label = f"{size // 1000}k"
    note = f"{kb.chunk_count()} chunks, median of {len(questions)} searches"
    med = statistics.median
    report(f"retrieval_{label}_ms", med(ours), med(base), "ms",
           f"{note}; question embedded beforehand; baseline raw FAISS flat + raw FTS5 MATCH")
    report(f"retrieval_{label}_with_embedding_ms", med(ours_full), med(base_full), "ms",
           f"{note}; baseline adds SentenceTransformer.encode of the question")
    if size >= 100_000:
        report(f"retrieval_{label}_vs_bar_ms", med(ours_full), BAR_MS, "ms", "dense + keyword incl. embedding; "
               "bar: under 50 ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=50)
    parser.add_argument("--runs", type=int, default=1, help="passes over the questions")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="chunk counts to measure at")
    parser.add_argument("--quick", action="store_true", help="30 questions, one pass")
    parser.add_argument("--hnsw", action="store_true", help="at 1M also build HNSW (about an hour on 2 cores)")
    args, _ = parser.parse_known_args()  # run_all forwards every flag to every script: ignore others'
    count = 30 if args.quick else args.questions
    runs = 1 if args.quick else max(1, args.runs)
    every = sorted(int(s) for s in args.sizes.split(","))
    sizes = [s for s in every if s < SCALE_FROM]

    from sentence_transformers import SentenceTransformer

    folder = resolve_embedding_model(None)
    embedder = Embedder(folder)
    embedder.encode_query("warm up")  # loads the model, and quiets transformers' progress bars for the next load
    direct = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    corpus = _Corpus(folder / "vocab.txt", embedder.dim)
    questions = corpus.questions(count)
    with tempfile.TemporaryDirectory(prefix="crossroads-bench-") as tmp:
        kb_dir = Path(tmp) / "kb"
        with KnowledgeBase.open(kb_dir, create=True) as kb:
            kb._bind_model(embedder.name, embedder.model_path, embedder.dim)
            parts, filled = [], 0
            for size in sizes:
                began = time.perf_counter()
                parts.append(_fill(kb, corpus, filled // CHUNKS_PER_DOCUMENT, size - filled))
                filled = size
                print(f"# filled to {size} chunks in {time.perf_counter() - began:.0f} s", flush=True)
                _measure(size, kb, np.concatenate(parts), embedder, direct, questions * runs, kb_dir / DB_NAME)
    for size in (s for s in every if s >= SCALE_FROM):
        import _retrieval_scale

        _retrieval_scale.run(size, embedder, direct, count, runs, args.hnsw)


if __name__ == "__main__":
    main()
