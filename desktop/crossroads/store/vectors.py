"""The FAISS index: a derived copy of the vectors kept in SQLite, for fast nearest-neighbour search.

Inner product on L2-normalised vectors (= cosine); FAISS ids are chunk ids. Up to ``HNSW_THRESHOLD`` chunks the
index is exact (IndexIDMap2 over IndexFlatIP: ~10 ms per query at 100k chunks of 384 dimensions); past it, a
flat scan grows too slow (~100 ms at 1M), so the index is rebuilt as HNSW (approximate, a few ms at 1M chunks).
HNSW cannot delete, so removals there rebuild it from SQLite.

The file holds a small header (generation, count, checksum) before FAISS's own bytes, and is replaced atomically.
Its generation must equal SQLite's ``vectors_generation``; anything else (missing, truncated, stale) means the
caller rebuilds it from SQLite.
"""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from crossroads import faults

HNSW_THRESHOLD = 200_000
HNSW_NEIGHBOURS = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128

_MAGIC = b"CRVX"
_FORMAT = 1
_HEADER = struct.Struct("<4sIQQQI")  # magic, format, generation, vector count, payload bytes, crc32


class VectorIndex:
    """A FAISS index keyed by chunk id. ``stale`` is set when a change could not be applied in place."""

    def __init__(self, index: Any, dim: int, hnsw: bool, hnsw_threshold: int | None = None) -> None:
        self._index = index
        self.dim = dim
        self.hnsw = hnsw
        self.stale = False
        self._hnsw_threshold = HNSW_THRESHOLD if hnsw_threshold is None else hnsw_threshold

    @classmethod
    def build(
        cls, dim: int, ids: np.ndarray, vectors: np.ndarray, hnsw_threshold: int | None = None
    ) -> VectorIndex:
        import faiss

        hnsw_threshold = HNSW_THRESHOLD if hnsw_threshold is None else hnsw_threshold
        hnsw = len(ids) > hnsw_threshold
        if hnsw:
            inner = faiss.IndexHNSWFlat(dim, HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
            inner.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            inner.hnsw.efSearch = HNSW_EF_SEARCH
        else:
            inner = faiss.IndexFlatIP(dim)
        index = cls(faiss.IndexIDMap2(inner), dim, hnsw, hnsw_threshold)
        if len(ids):
            index.add(ids, vectors)
        return index

    @property
    def count(self) -> int:
        return int(self._index.ntotal)

    def ids(self) -> np.ndarray:
        """The chunk ids held, in the index's order."""
        import faiss

        return faiss.vector_to_array(self._index.id_map).astype(np.int64)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        self._index.add_with_ids(_as_matrix(vectors, self.dim), np.ascontiguousarray(ids, dtype=np.int64))
        if not self.hnsw and self.count > self._hnsw_threshold:
            self.stale = True  # time to become HNSW: the caller rebuilds

    def remove(self, ids: np.ndarray) -> None:
        if not len(ids):
            return
        if self.hnsw:
            self.stale = True
            return
        import faiss

        self._index.remove_ids(faiss.IDSelectorBatch(np.ascontiguousarray(ids, dtype=np.int64)))

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
        if (magic, fmt, saved_generation, saved_count) != (_MAGIC, _FORMAT, generation, count):
            return None
        if len(payload) != size or zlib.crc32(payload) != crc:
            return None
        try:
            index = faiss.deserialize_index(np.frombuffer(payload, dtype=np.uint8))
        except RuntimeError:
            return None
        if index.d != dim or index.ntotal != count:
            return None
        inner = faiss.downcast_index(index.index) if hasattr(index, "index") else index
        hnsw = isinstance(inner, faiss.IndexHNSW)
        if hnsw:
            inner.hnsw.efSearch = HNSW_EF_SEARCH
        return cls(index, dim, hnsw)


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
