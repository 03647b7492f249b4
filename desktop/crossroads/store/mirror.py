"""Keeping the FAISS index in step with SQLite, whose ``vectors_generation`` counts every change to the chunks.

The in-memory index is current when its generation equals SQLite's. Otherwise (first open, another process wrote,
a crash before the FAISS file was saved) the saved file is loaded if it carries that generation, else the index
is rebuilt from the vectors kept in SQLite: never a re-embedding.
Callers hold the knowledge base's lock.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from pathlib import Path

import numpy as np

from crossroads.store.schema import get_meta
from crossroads.store.vectors import VectorIndex
from crossroads.store.writes import Change


class VectorMirror:
    def __init__(self, conn: sqlite3.Connection, file: Path) -> None:
        self._conn = conn
        self.file = file
        self.index: VectorIndex | None = None
        self.generation = -1
        self.dirty = False

    def refresh(self, dim: int | None) -> None:
        """Make the index match SQLite: keep it, load the saved file, or rebuild."""
        generation = _generation(self._conn)
        if generation == self.generation and self.index is not None:
            return
        if dim is None:  # nothing indexed yet
            self.index, self.generation = None, generation
            return
        count = self._conn.execute("SELECT count(*) FROM chunks").fetchone()[0]
        loaded = VectorIndex.load(self.file, dim, generation, count)
        if loaded is None:
            self.rebuild(dim)
        else:
            self.index, self.generation, self.dirty = loaded, generation, False

    def apply(self, change: Change, vectors: np.ndarray | None, dim: int | None) -> None:
        """Mirror a committed change; if another writer slipped in between, refresh instead."""
        if self.index is None or self.generation != change.before:
            self.refresh(dim)
            return
        self.index.remove(change.removed)
        if len(change.added):
            assert vectors is not None, "added chunks come with their vectors"
            self.index.add(change.added, vectors)
        self.generation = change.before + 1
        self.dirty = True
        if self.index.stale:
            self.rebuild(self.index.dim)

    def rebuild(self, dim: int) -> None:
        self._conn.execute("BEGIN")  # one snapshot: the generation and the vectors agree
        try:
            generation = _generation(self._conn)
            count = self._conn.execute("SELECT count(*) FROM chunks").fetchone()[0]
            # Row by row into one array: at 1M chunks a list of rows plus a joined copy would hold 3 GB at once.
            ids = np.empty(count, dtype=np.int64)
            matrix = np.empty((count, dim), dtype=np.float32)
            for row, (chunk_id, blob) in enumerate(self._conn.execute("SELECT id, vector FROM chunks ORDER BY id")):
                ids[row] = chunk_id
                matrix[row] = np.frombuffer(blob, dtype=np.float32)
        finally:
            self._conn.execute("COMMIT")
        self.index = VectorIndex.build(dim, ids, matrix)
        self.generation = generation
        self.dirty = True
        self.save()

    def problems(self, dim: int | None) -> list[str]:
        """Where the (refreshed) index disagrees with SQLite's passages."""
        chunk_ids = np.fromiter((r[0] for r in self._conn.execute("SELECT id FROM chunks")), dtype=np.int64)
        if self.index is None:
            return [f"{len(chunk_ids)} passages have no vector in the search index"] if len(chunk_ids) else []
        if self.index.dim != dim:
            return [f"the search index holds vectors of {self.index.dim} numbers, not {dim}"]
        held = self.index.ids()
        missing = np.setdiff1d(chunk_ids, held).size
        extra = np.setdiff1d(held, chunk_ids).size + (held.size - np.unique(held).size)
        problems = []
        if missing:
            problems.append(f"{missing} passages are missing from the search index")
        if extra:
            problems.append(f"{extra} search index entries belong to no passage")
        return problems

    def save(self) -> None:
        """Write the FAISS file if it changed. Failing to write costs only a rebuild on next open."""
        if self.dirty and self.index is not None:
            with contextlib.suppress(OSError):
                self.index.save(self.file, self.generation)
                self.dirty = False


_TEMPORARY = re.compile(r"\.(\d+)\.tmp$")


def remove_orphan_temporaries(file: Path) -> None:
    """Delete half-written copies of ``file`` left by processes that died while saving (a kill, a power cut):
    they are never read, and would fill the disk over time. A copy whose writer still runs is left alone."""
    import psutil

    for candidate in file.parent.glob(f"{file.name}.*.tmp"):
        match = _TEMPORARY.search(candidate.name)
        if match and not psutil.pid_exists(int(match.group(1))):
            with contextlib.suppress(OSError):
                candidate.unlink()


def _generation(conn: sqlite3.Connection) -> int:
    return int(get_meta(conn, "vectors_generation") or 0)
