"""The FAISS index: a derived copy of the vectors kept in SQLite, for fast nearest-neighbour search.

Inner product on L2-normalised vectors (= cosine); FAISS ids are chunk ids. Up to ``IVF_THRESHOLD`` chunks the
index is exact (IndexIDMap2 over IndexFlatIP: ~10 ms per query at 100k chunks of 384 dimensions); past it, a
flat scan grows too slow (~170 ms at 1M), so the index is rebuilt as an inverted file with 8-bit scalar-quantised
lists (IndexIVFScalarQuantizer, QT_8bit): about sqrt(n) k-means lists, of which ``IVF_PROBES`` nearest are scanned.
Chosen by ``bench/bench_retrieval.py --sizes 1000000`` on embedding-shaped vectors, each candidate against exact
search in the same run: at 1M and 32 probes, recall@10 0.97 at 4.8 ms, with 375 MB on disk and in memory; the
same lists with full floats (IVF-flat) found 0.98-0.99 at 7.0 ms but hold 1474 MB, four times what a laptop should
give to one knowledge base; IVF-PQ (48 bytes a vector) found only 0.45. HNSW (M=32, efSearch 128) searched faster
(1.4 ms at 100k, recall 1.0) but its graph took 5x longer to build (320 s against 62 s at 100k; about an hour
projected at 1M), needs more RAM and disk (the graph), and cannot delete: every removal rebuilt it from SQLite. An
inverted file deletes in place. IVF-flat files written before still load and are searched as they are.
The lists are trained on the vectors present at build time; once the index would want twice as many lists
(4x the vectors) or falls below half the threshold, it is rebuilt, so the lists keep matching the data.

The file holds a small header (generation, count, checksum) before FAISS's own bytes, and is replaced atomically.
Its generation must equal SQLite's ``vectors_generation``; anything else (missing, truncated, stale) means the
caller rebuilds it from SQLite. Format 2 added IVF files; format 1 files (flat or HNSW) still load and are
used as they are until a change rebuilds them. A Crossroads that knows only format 1 ignores format 2 files and
rebuilds its own, rather than misreading an IVF index.
"""

from __future__ import annotations

import math
import os
import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from crossroads import faults

IVF_THRESHOLD = 200_000
IVF_PROBES = 32
IVF_TRAIN_PER_LIST = 64  # k-means sample: FAISS asks for at least 39 points per list
HNSW_EF_SEARCH = 128  # for HNSW files written by format 1

_MAGIC = b"CRVX"
_FORMAT = 2
_READABLE = (1, 2)
_HEADER = struct.Struct("<4sIQQQI")  # magic, format, generation, vector count, payload bytes, crc32


class VectorIndex:
    """A FAISS index keyed by chunk id. ``stale`` is set when a change could not be applied in place, or the index
    should change kind (exact <-> inverted file) or be retrained: the caller then rebuilds it from SQLite.
    ``kind`` is "flat" (exact), "ivf", or "hnsw" (only from a format 1 file)."""

    def __init__(self, index: Any, dim: int, kind: str, threshold: int | None = None) -> None:
        self._index = index
        self.dim = dim
        self.kind = kind
        self.stale = False
        self._threshold = IVF_THRESHOLD if threshold is None else threshold

    @property
    def approximate(self) -> bool:
        return self.kind != "flat"

    @classmethod
    def build(cls, dim: int, ids: np.ndarray, vectors: np.ndarray, threshold: int | None = None) -> VectorIndex:
        import faiss

        threshold = IVF_THRESHOLD if threshold is None else threshold
        vectors = _as_matrix(vectors, dim)
        if len(ids) > threshold:
            lists = ivf_lists(len(ids))
            inner = faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(dim), dim, lists, faiss.ScalarQuantizer.QT_8bit,
                                                  faiss.METRIC_INNER_PRODUCT)
            sample = np.random.default_rng(0).choice(len(ids), min(len(ids), lists * IVF_TRAIN_PER_LIST),
                                                     replace=False)
            inner.train(vectors[np.sort(sample)])
            inner.nprobe = IVF_PROBES
            index = cls(inner, dim, "ivf", threshold)  # an IVF index keeps its own ids: no id map
        else:
            index = cls(faiss.IndexIDMap2(faiss.IndexFlatIP(dim)), dim, "flat", threshold)
        if len(ids):
            index.add(ids, vectors)
        return index

    @property
    def count(self) -> int:
        return int(self._index.ntotal)

    def ids(self) -> np.ndarray:
        """The chunk ids held, in the index's order."""
        import faiss

        if self.kind != "ivf":
            return faiss.vector_to_array(self._index.id_map).astype(np.int64)
        lists = self._index.invlists
        parts = [
            faiss.rev_swig_ptr(lists.get_ids(i), lists.list_size(i)).astype(np.int64)
            for i in range(lists.nlist)
            if lists.list_size(i)
        ]
        return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        self._index.add_with_ids(_as_matrix(vectors, self.dim), np.ascontiguousarray(ids, dtype=np.int64))
        if self.kind == "flat" and self.count > self._threshold:
            self.stale = True  # time to become an inverted file: the caller rebuilds
        elif self.kind == "ivf" and ivf_lists(self.count) >= 2 * self._index.nlist:
            self.stale = True  # grown to want twice the lists it was trained with (4x the vectors): retrain

    def remove(self, ids: np.ndarray) -> None:
        if not len(ids):
            return
        if self.kind == "hnsw":
            self.stale = True  # HNSW cannot delete
            return
        import faiss

        self._index.remove_ids(faiss.IDSelectorBatch(np.ascontiguousarray(ids, dtype=np.int64)))
        if self.kind == "ivf" and self.count < self._threshold // 2:
            self.stale = True  # small enough for exact search again

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        if k <= 0 or self.count == 0:
            return []
        import faiss

        # One query runs on one core anyway; OpenMP's idle threads only add latency (5x on a busy machine).
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            scores, ids = self._index.search(_as_matrix(query, self.dim), min(k, self.count))
        finally:
            faiss.omp_set_num_threads(threads)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def save(self, path: Path, generation: int) -> None:
        """Write to a temporary file, flush it to disk, then rename over the old one: never half a file."""
        import faiss

        payload = faiss.serialize_index(self._index).tobytes()
        header = _HEADER.pack(_MAGIC, _FORMAT, generation, self.count, len(payload), zlib.crc32(payload))
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        try:
            with tmp.open("wb") as handle:
                handle.write(header)
                faults.reach("faiss_save")
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
            fsync_folder(path.parent)  # the rename itself reaches the disk, not only the bytes
        finally:
            tmp.unlink(missing_ok=True)

    @classmethod
    def load(cls, path: Path, dim: int, generation: int, count: int) -> VectorIndex | None:
        """The saved index if it is whole and matches ``generation`` and ``count``; None means rebuild."""
        import faiss

        try:
            data = path.read_bytes()
        except OSError:
            return None
        if len(data) < _HEADER.size:
            return None
        magic, fmt, saved_generation, saved_count, size, crc = _HEADER.unpack_from(data)
        payload = memoryview(data)[_HEADER.size :]
        if magic != _MAGIC or fmt not in _READABLE or (saved_generation, saved_count) != (generation, count):
            return None
        if len(payload) != size or zlib.crc32(payload) != crc:
            return None
        try:
            index = faiss.deserialize_index(np.frombuffer(payload, dtype=np.uint8))
        except RuntimeError:
            return None
        if index.d != dim or index.ntotal != count:
            return None
        if isinstance(index, faiss.IndexIVFScalarQuantizer | faiss.IndexIVFFlat):  # IVF-flat: written before SQ8
            index.nprobe = IVF_PROBES
            return cls(index, dim, "ivf")
        if not isinstance(index, faiss.IndexIDMap2):
            return None
        inner = faiss.downcast_index(index.index)
        if isinstance(inner, faiss.IndexHNSW):
            inner.hnsw.efSearch = HNSW_EF_SEARCH
            return cls(index, dim, "hnsw")
        return cls(index, dim, "flat") if isinstance(inner, faiss.IndexFlat) else None


def ivf_lists(count: int) -> int:
    """How many k-means lists for ``count`` vectors: about sqrt(count), with enough points to train each."""
    return max(1, min(math.isqrt(count), count // IVF_TRAIN_PER_LIST))


def fsync_folder(folder: Path) -> None:
    """Flush a folder's entries, so a rename in it survives a power cut (POSIX; Windows has no folder handles)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _as_matrix(vectors: np.ndarray, dim: int) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(vectors, dtype=np.float32).reshape(-1, dim))
