"""Retrieval at 1M passages (``bench_retrieval.py --sizes ...,1000000``): which FAISS index, and ``retrieve`` on it.

The corpus is ``_scale_corpus`` (embedding-shaped synthetic vectors and Zipf text, cached under ``.bench-cache/``).
First the candidate indexes are built on the same 1M vectors and searched with one thread, as the product does:
exact ``IndexFlatIP`` (the baseline of every line), inverted files with flat lists (IVF-flat, ~sqrt(n) lists),
with 8-bit scalar-quantised lists (IVF-SQ8) and with product-quantised lists (IVF-PQ, 48 bytes a vector), at
several ``nprobe``. Each line gives p50 (ours) against exact search's p50 (timed on 60 queries), with recall@10
against exact search (on held-out passages from the same mixture, and on the real questions), p95, build time
(FAISS's default threads), file size and RSS growth. HNSW is built only with ``--hnsw`` (its graph takes about an
hour for 1M vectors on 2 cores; 100k took over 4 minutes).
Then the product: the knowledge base opened as a user would (its index built by ``VectorIndex.build`` on the first
open, then loaded), ``retrieve`` with and without the question's embedding, where its time goes (embedding, dense,
keyword, fusion and records), and the FTS5 keyword side at 1M against a raw ``MATCH ... ORDER BY bm25``.
"""

from __future__ import annotations

import contextlib
import gc
import json
import sqlite3
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import psutil

import _scale_corpus as sc
from _common import report

POOL = 40
TOP_K = 4
RECALL_AT = 10
BAR_MS = 20.0
EXACT_TIMED = 60  # exact searches timed (half held-out, half questions); the others are searched once each


def _rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def _exact_top(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """Exact top-k ids (0-based rows) by inner product, in blocks so memory stays small."""
    best_s = np.full((len(queries), k), -np.inf, dtype=np.float32)
    best_i = np.zeros((len(queries), k), dtype=np.int64)
    for begin in range(0, len(vectors), 100_000):
        scores = queries @ np.asarray(vectors[begin : begin + 100_000]).T
        top = np.argpartition(-scores, k, axis=1)[:, :k]
        s = np.concatenate([best_s, np.take_along_axis(scores, top, axis=1)], axis=1)
        i = np.concatenate([best_i, top + begin], axis=1)
        order = np.argsort(-s, axis=1)[:, :k]
        best_s, best_i = np.take_along_axis(s, order, axis=1), np.take_along_axis(i, order, axis=1)
    return best_i


def _recall(found: list[np.ndarray], truth: np.ndarray) -> float:
    return float(np.mean([len(set(f[:RECALL_AT].tolist()) & set(t.tolist())) / RECALL_AT
                          for f, t in zip(found, truth, strict=True)]))


def _candidates(dim: int, with_hnsw: bool) -> list[tuple[str, Callable[[], object], str, list[int]]]:
    """(name, factory, search parameter, values): untrained indexes over row numbers 0..n-1."""
    import faiss

    lists = 1024
    out: list[tuple[str, Callable[[], object], str, list[int]]] = [
        ("ivf_flat1024", lambda: faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, lists, faiss.METRIC_INNER_PRODUCT),
         "nprobe", [8, 16, 32, 64]),
        ("ivf_sq8_1024", lambda: faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(dim), dim, lists,
                                                               faiss.ScalarQuantizer.QT_8bit,
                                                               faiss.METRIC_INNER_PRODUCT), "nprobe", [16, 32]),
        ("ivf_pq1024x48", lambda: faiss.IndexIVFPQ(faiss.IndexFlatIP(dim), dim, lists, 48, 8,
                                                   faiss.METRIC_INNER_PRODUCT), "nprobe", [16, 32, 64]),
    ]
    if with_hnsw:
        def hnsw() -> object:
            index = faiss.IndexHNSWFlat(dim, 16, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = 80
            return index
        out.append(("hnsw16", hnsw, "efSearch", [64, 128, 256]))
    return out


def _set(index: object, name: str, value: int) -> None:
    if name == "nprobe":
        index.nprobe = value  # type: ignore[attr-defined]
    else:
        index.hnsw.efSearch = value  # type: ignore[attr-defined]


def _timed_search(index, queries: np.ndarray, k: int) -> tuple[list[float], list[np.ndarray]]:  # type: ignore[no-untyped-def]
    times, found = [], []
    for q in queries:
        began = time.perf_counter()
        _, ids = index.search(q.reshape(1, -1), k)
        times.append((time.perf_counter() - began) * 1000)
        found.append(ids[0])
    return times, found


def _measure_indexes(folder: Path, vectors: np.ndarray, queries: np.ndarray, truth: np.ndarray, split: int,
                     with_hnsw: bool) -> float:
    """One BENCH line per candidate and setting; returns exact search's p50 (ms)."""
    import faiss

    dim = vectors.shape[1]
    threads = faiss.omp_get_max_threads()
    before = _rss_mb()
    began = time.perf_counter()
    flat = faiss.IndexFlatIP(dim)
    for begin in range(0, len(vectors), 100_000):
        flat.add(np.ascontiguousarray(vectors[begin : begin + 100_000]))
    flat_build = time.perf_counter() - began
    flat_rss = _rss_mb() - before
    faiss.omp_set_num_threads(1)
    _timed_search(flat, queries[:5], POOL)
    sample = np.concatenate([queries[:EXACT_TIMED // 2], queries[split : split + EXACT_TIMED // 2]])
    flat_times, flat_found = _timed_search(flat, sample, POOL)  # a sample: each takes a fraction of a second
    faiss.omp_set_num_threads(threads)
    del flat
    gc.collect()
    exact_p50 = statistics.median(flat_times)
    recall = _recall(flat_found, np.concatenate([truth[: EXACT_TIMED // 2], truth[split : split + EXACT_TIMED // 2]]))
    report("index_1m_flat_p50_ms", exact_p50, exact_p50, "ms",
           f"exact IndexFlatIP, {len(sample)} searches, recall@10 {recall:.3f} (ties only); "
           f"p95 {np.percentile(flat_times, 95):.1f} ms; "
           f"build {flat_build:.1f} s; {len(vectors) * dim * 4 / 2**20:.0f} MB on disk; RSS +{flat_rss:.0f} MB")
    for name, factory, knob, values in _candidates(dim, with_hnsw):
        file = folder / f"index-{name}.faiss"
        facts_file = folder / f"index-{name}.json"
        before = _rss_mb()
        if file.exists() and facts_file.exists():
            index = faiss.read_index(str(file))
            facts = json.loads(facts_file.read_text())
        else:
            began = time.perf_counter()
            index = factory()
            if not index.is_trained:  # type: ignore[attr-defined]
                sample = np.sort(np.random.default_rng(0).choice(len(vectors), 64 * 1024, replace=False))
                index.train(np.ascontiguousarray(vectors[sample]))  # type: ignore[attr-defined]
            for begin in range(0, len(vectors), 100_000):
                index.add(np.ascontiguousarray(vectors[begin : begin + 100_000]))  # type: ignore[attr-defined]
            facts = {"build_s": time.perf_counter() - began}
            faiss.write_index(index, str(file))
            facts_file.write_text(json.dumps(facts))
        rss = _rss_mb() - before
        disk = file.stat().st_size / 2**20
        faiss.omp_set_num_threads(1)
        for value in values:
            _set(index, knob, value)
            _timed_search(index, queries[:5], POOL)
            times, found = _timed_search(index, queries, POOL)
            report(f"index_1m_{name}_{knob}{value}_p50_ms", statistics.median(times), exact_p50, "ms",
                   f"recall@10 {_recall(found[:split], truth[:split]):.3f} held-out, "
                   f"{_recall(found[split:], truth[split:]):.3f} questions; p95 {np.percentile(times, 95):.2f} ms; "
                   f"build {facts['build_s']:.0f} s; {disk:.0f} MB on disk; RSS +{rss:.0f} MB")
        faiss.omp_set_num_threads(threads)
        del index
        gc.collect()
    return exact_p50


class _Precomputed:
    def __init__(self, name: str, vectors: dict[str, np.ndarray]) -> None:
        self.name = name
        self._vectors = vectors

    def encode_query(self, text: str) -> np.ndarray:
        return self._vectors[text]


def _ms(fn: Callable[[], object]) -> float:
    began = time.perf_counter()
    fn()
    return (time.perf_counter() - began) * 1000


def _measure_product(folder: Path, vectors: np.ndarray, embedder, direct, questions: list[str],  # type: ignore[no-untyped-def]
                     truth: np.ndarray, runs: int) -> None:
    import faiss

    from crossroads.rag.retrieval import fuse, retrieve
    from crossroads.store import KnowledgeBase
    from crossroads.store.keyword import fts_query, query_terms
    from crossroads.store.knowledge_base import BM25_WEIGHTS, DB_NAME, VECTORS_NAME

    kb_dir = folder / "kb"
    first_open = not (kb_dir / VECTORS_NAME).exists()
    before = _rss_mb()
    began = time.perf_counter()
    kb = KnowledgeBase.open(kb_dir)
    opened = time.perf_counter() - began
    rss = _rss_mb() - before
    index = kb._mirror.index
    assert index is not None and index.count == len(vectors)
    sqlite_mb = sum(p.stat().st_size for p in kb_dir.glob(f"{DB_NAME}*")) / 2**20
    faiss_mb = (kb_dir / VECTORS_NAME).stat().st_size / 2**20
    report("kb_1m_open_s", opened, opened, "s",
           f"{'first open: builds' if first_open else 'loads'} the {index.kind} index; SQLite {sqlite_mb:.0f} MB "
           f"(rows, vectors, FTS5) + FAISS file {faiss_mb:.0f} MB on disk; RSS +{rss:.0f} MB")

    flat = faiss.IndexFlatIP(vectors.shape[1])
    for begin in range(0, len(vectors), 100_000):
        flat.add(np.ascontiguousarray(vectors[begin : begin + 100_000]))
    weights = ", ".join(str(w) for w in BM25_WEIGHTS)
    sql = (f"SELECT rowid, bm25(chunks_fts, {weights}) AS rank FROM chunks_fts WHERE chunks_fts MATCH ? "
           "ORDER BY rank LIMIT ?")
    embedded = {q: embedder.encode_query(q) for q in questions}
    cached = _Precomputed(embedder.name, embedded)
    threads = faiss.omp_get_max_threads()
    with contextlib.closing(sqlite3.connect(f"file:{kb_dir / DB_NAME}?mode=ro", uri=True)) as conn:

        def bare_keyword(question: str) -> None:
            conn.execute(sql, (fts_query(query_terms(question)), POOL)).fetchall()

        def bare(question: str, vector: np.ndarray) -> None:
            faiss.omp_set_num_threads(1)
            flat.search(vector.reshape(1, -1), POOL)
            faiss.omp_set_num_threads(threads)
            bare_keyword(question)

        def bare_embedding(question: str) -> None:
            vector = direct.encode([question], convert_to_numpy=True, show_progress_bar=False)[0]
            bare(question, vector / np.linalg.norm(vector))

        for question in questions[:3]:  # warm-up: page cache, FTS structures, torch
            retrieve(kb, embedder, question, TOP_K)
            bare_embedding(question)
        parts: dict[str, list[float]] = {k: [] for k in
                                         ("ours", "base", "ours_full", "base_full", "embed", "dense", "keyword",
                                          "fuse", "fts_raw")}
        dense_found = []
        for _ in range(runs):
            for question in questions:  # interleaved, so noise lands on both sides alike
                parts["ours"].append(_ms(lambda q=question: retrieve(kb, cached, q, TOP_K)))
                parts["base"].append(_ms(lambda q=question: bare(q, embedded[q])))
                parts["ours_full"].append(_ms(lambda q=question: retrieve(kb, embedder, q, TOP_K)))
                parts["base_full"].append(_ms(lambda q=question: bare_embedding(q)))
                # the same work, step by step
                t0 = time.perf_counter()
                vector = embedder.encode_query(question)
                t1 = time.perf_counter()
                dense = kb.dense_search(vector, POOL)
                t2 = time.perf_counter()
                keyword = kb.keyword_search(question, POOL)
                t3 = time.perf_counter()
                fuse(kb, dense, keyword, TOP_K)
                t4 = time.perf_counter()
                for key, spent in zip(("embed", "dense", "keyword", "fuse"), (t1 - t0, t2 - t1, t3 - t2, t4 - t3),
                                      strict=True):
                    parts[key].append(spent * 1000)
                parts["fts_raw"].append(_ms(lambda q=question: bare_keyword(q)))
                dense_found.append(np.array([i - 1 for i, _ in dense]))
    kb.close()
    med = {k: statistics.median(v) for k, v in parts.items()}
    recall = _recall(dense_found[: len(questions)], truth)
    note = f"{len(vectors)} chunks, {index.kind} index, median of {len(parts['ours'])} searches"
    report("retrieval_1m_ms", med["ours"], med["base"], "ms",
           f"{note}; question embedded beforehand; baseline raw FAISS flat (exact) + raw FTS5 MATCH")
    report("retrieval_1m_with_embedding_ms", med["ours_full"], med["base_full"], "ms",
           f"{note}; dense recall@10 {recall:.3f} vs exact; baseline adds SentenceTransformer.encode; "
           f"p95 {np.percentile(parts['ours_full'], 95):.1f} ms; breakdown: embedding {med['embed']:.1f}, "
           f"dense {med['dense']:.2f}, keyword {med['keyword']:.1f}, fusion+records {med['fuse']:.2f} ms")
    report("retrieval_1m_vs_bar_ms", med["ours_full"], BAR_MS, "ms", "dense + keyword incl. embedding; bar: 20 ms")
    report("keyword_1m_ms", med["keyword"], med["fts_raw"], "ms",
           "KnowledgeBase.keyword_search (terms pruned by how many chunks hold them) vs raw FTS5 MATCH of every "
           f"term ORDER BY bm25 LIMIT {POOL}; p95 {np.percentile(parts['keyword'], 95):.1f} vs "
           f"{np.percentile(parts['fts_raw'], 95):.1f} ms")


def run(size: int, embedder, direct, questions_count: int, runs: int, with_hnsw: bool) -> None:  # type: ignore[no-untyped-def]
    corpus = sc.ScaleCorpus(embedder.model_path / "vocab.txt", lambda words: embedder.encode(words, batch_size=256),
                            sc.words_cache(embedder.name))
    folder = sc.cache_dir(size, corpus.dim)
    began = time.perf_counter()
    steps = sc.build(corpus, size, folder, (embedder.name, embedder.model_path, corpus.dim))
    print(f"# {size} passages ready in {time.perf_counter() - began:.0f} s (when built: generating "
          f"{steps['generate_s']:.0f} s, writing rows + FTS5 {steps['write_s']:.0f} s)", flush=True)
    report("corpus_1m_write_s", steps["write_s"], steps["write_s"], "s",
           f"{size} passages through store.writes.replace_document (rows, vector blobs, FTS5), 500 a transaction; "
           "cached in .bench-cache/ after the first run")
    vectors = np.load(folder / "vectors.npy", mmap_mode="r")
    questions = corpus.questions(questions_count)
    question_vectors = np.stack([embedder.encode_query(q) for q in questions])
    queries = np.concatenate([corpus.held_out(), question_vectors]).astype(np.float32)
    truth = _exact_top(vectors, queries, RECALL_AT)
    _measure_indexes(folder, vectors, queries, truth, sc.HELD_OUT, with_hnsw)
    _measure_product(folder, vectors, embedder, direct, questions, truth[sc.HELD_OUT :], runs)
