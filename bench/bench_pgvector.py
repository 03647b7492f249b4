"""Retrieval at 100k chunks on the two stores: the embedded SQLite + FAISS knowledge base against the shared
PostgreSQL + pgvector one, same synthetic passages, same vectors, same questions.

The passages and vectors are ``_scale_corpus``'s embedding-shaped ones (random unit vectors in 384 dimensions have
no neighbourhoods, which makes any approximate index look hopeless; see that module), its word cache reused, and
both stores are filled through their own write path (``bench_retrieval._fill``: ``_store_document``, one
transaction per 500-passage document). pgvector's HNSW index is built once after the fill, as one loads a table in
bulk (building it while inserting is several times slower); its build time is printed. The server is a throwaway
one started from the pgserver wheel (``store.postgres.throwaway``), or ``--url`` for a real one.

Lines: ``retrieve()`` latency (dense + keyword, fused, records fetched; the question embedded beforehand), median
over the questions, ours = SQLite + FAISS, baseline = PostgreSQL + pgvector; and recall@10 of each store's dense
search against exact search (numpy over the same vectors), for held-out vectors of the same mixture.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import _scale_corpus as sc
from _common import report
from bench_retrieval import CHUNKS_PER_DOCUMENT, POOL, TOP_K, _fill, _ms, _Precomputed
from crossroads.models.catalog import resolve_embedding_model
from crossroads.rag.embedding import Embedder
from crossroads.rag.retrieval import retrieve
from crossroads.store import KnowledgeBase

SIZES = (100_000,)
RECALL_AT = 10
RECALL_QUERIES = 200


class _Documents:
    """``_scale_corpus`` documents one after the other, in the shape ``bench_retrieval._fill`` asks for."""

    def __init__(self, corpus: sc.ScaleCorpus) -> None:
        self.corpus = corpus
        self.number = 0

    def chunks(self, count: int) -> tuple[list[str], np.ndarray]:
        assert count == CHUNKS_PER_DOCUMENT == sc.CHUNKS_PER_DOCUMENT
        texts, vectors = self.corpus.document(self.number)
        self.number += 1
        return texts, vectors


def _recall(kb, vectors: np.ndarray, ids: np.ndarray, queries: list[np.ndarray]) -> float:  # type: ignore[no-untyped-def]
    found = 0
    for query in queries:
        exact = set(ids[np.argsort(-(vectors @ query))[:RECALL_AT]].tolist())
        found += len(exact & {i for i, _ in kb.dense_search(query, RECALL_AT)})
    return found / (RECALL_AT * len(queries))


def _chunk_ids(kb) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Chunk ids in the order _fill added their vectors (document by document, ordinal by ordinal)."""
    ids = []
    for document in kb.documents():
        ids.extend(c.id for c in sorted(kb.document_chunks(document.id), key=lambda c: c.start))
    return np.array(ids, dtype=np.int64)


def _latency(kb, cached: _Precomputed, questions: list[str]) -> tuple[float, float, float]:  # type: ignore[no-untyped-def]
    """Median ms of retrieve(), of dense search alone, of keyword search alone."""
    for question in questions[:5]:
        retrieve(kb, cached, question, TOP_K)
    full, dense, keyword = [], [], []
    for question in questions:
        vector = cached.encode_query(question)
        full.append(_ms(lambda q=question: retrieve(kb, cached, q, TOP_K)))
        dense.append(_ms(lambda v=vector: kb.dense_search(v, POOL)))
        keyword.append(_ms(lambda q=question: kb.keyword_search(q, POOL)))
    med = statistics.median
    return med(full), med(dense), med(keyword)


def _fill_postgres(kb, corpus: _Documents, first: int, count: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Fill without the HNSW index, then build it: seconds for each."""
    from crossroads.store.postgres import migrations

    with kb._sql():
        kb._conn.execute(f"DROP INDEX IF EXISTS {migrations.VECTOR_INDEX}")
    began = time.perf_counter()
    _fill(kb, corpus, first, count)
    filled = time.perf_counter() - began
    with kb._sql():
        kb._conn.execute("SET maintenance_work_mem = '1GB'")
        began = time.perf_counter()
        migrations.bind_dimension(kb._conn, kb.schema, kb.dim)
        kb._conn.execute("ANALYZE chunks")  # what autovacuum does after a bulk load: keyword pruning reads it
    return filled, time.perf_counter() - began


def run(url: str, sizes: list[int], count: int) -> None:
    from crossroads.store.postgres import PostgresKnowledgeBase

    folder = resolve_embedding_model(None)
    embedder = Embedder(folder)
    corpus = sc.ScaleCorpus(folder / "vocab.txt", lambda words: embedder.encode(words, batch_size=256),
                            sc.words_cache(embedder.name))
    questions = corpus.questions(count)
    cached = _Precomputed(embedder.name, {q: embedder.encode_query(q) for q in questions})
    queries = list(corpus.held_out()[:RECALL_QUERIES])
    with tempfile.TemporaryDirectory(prefix="crossroads-bench-") as tmp, \
            KnowledgeBase.open(Path(tmp) / "kb", create=True) as lite, \
            PostgresKnowledgeBase.open(f"{url}?kb=bench-{time.time_ns()}", create=True) as pg:
        for kb in (lite, pg):
            kb._bind_model(embedder.name, embedder.model_path, embedder.dim)
        filled, parts = 0, []
        lite_corpus, pg_corpus = _Documents(corpus), _Documents(corpus)  # the same documents for both
        for size in sizes:
            first = filled // CHUNKS_PER_DOCUMENT
            began = time.perf_counter()
            parts.append(_fill(lite, lite_corpus, first, size - filled))
            lite_s = time.perf_counter() - began
            pg_fill_s, pg_index_s = _fill_postgres(pg, pg_corpus, first, size - filled)
            filled = size
            print(f"# {size} chunks: SQLite+FAISS filled in {lite_s:.0f} s; PostgreSQL filled in {pg_fill_s:.0f} s "
                  f"and built its HNSW index (and ANALYZE) in {pg_index_s:.0f} s", flush=True)
            vectors = np.concatenate(parts)
            lite_ids, pg_ids = _chunk_ids(lite), _chunk_ids(pg)
            assert len(lite_ids) == len(pg_ids) == len(vectors) == size
            lite_ms, lite_dense, lite_kw = _latency(lite, cached, questions)
            pg_ms, pg_dense, pg_kw = _latency(pg, cached, questions)
            print(f"# median ms, dense / keyword alone: SQLite+FAISS {lite_dense:.1f} / {lite_kw:.1f}, "
                  f"PostgreSQL+pgvector {pg_dense:.1f} / {pg_kw:.1f}", flush=True)
            label = f"{size // 1000}k"
            note = f"{size} chunks, median of {len(questions)} questions, embedded beforehand"
            report(f"retrieval_sqlite_vs_pgvector_{label}_ms", lite_ms, pg_ms, "ms",
                   f"ours: SQLite+FAISS retrieve(); baseline: PostgreSQL+pgvector retrieve(); {note}")
            report(f"recall10_sqlite_vs_pgvector_{label}", _recall(lite, vectors, lite_ids, queries),
                   _recall(pg, vectors, pg_ids, queries), "share",
                   "dense search's top 10 against exact search; pgvector HNSW at the store's ef_search")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="chunk counts to measure at")
    parser.add_argument("--questions", type=int, default=50)
    parser.add_argument("--quick", action="store_true", help="30 questions")
    parser.add_argument("--url", help="a PostgreSQL server with pgvector (default: a throwaway local one)")
    args, _ = parser.parse_known_args()  # run_all forwards every flag to every script: ignore others'
    sizes = sorted(int(s) for s in args.sizes.split(","))
    count = 30 if args.quick else args.questions
    if args.url:
        run(args.url, sizes, count)
        return
    from crossroads.store.postgres.throwaway import throwaway_server

    try:
        server = throwaway_server()
        url = server.__enter__()
    except RuntimeError as exc:
        print(f"# bench_pgvector skipped: no PostgreSQL ({exc})", file=sys.stderr)
        return
    try:
        run(url, sizes, count)
    finally:
        server.__exit__(None, None, None)


if __name__ == "__main__":
    main()
