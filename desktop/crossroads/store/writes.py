"""The SQL of changing a knowledge base. Each function is one transaction that also bumps
``vectors_generation``, and returns what the caller must mirror in FAISS."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from crossroads import faults
from crossroads.rag.chunking import CHUNKER_VERSION
from crossroads.store.schema import get_meta, set_meta, transaction

if TYPE_CHECKING:
    from crossroads.rag.chunking import Chunk

_NO_IDS = np.empty(0, dtype=np.int64)


@dataclass
class FileFacts:
    """What is known of a file before and after reading it: enough to skip it next time if unchanged."""

    title: str
    sha256: str
    size: int
    mtime: float
    chunk_tokens: int
    chunk_overlap: int
    kind: str = "unknown"
    pages: int | None = None
    warnings: list[str] = field(default_factory=list)
    chunker_version: int = CHUNKER_VERSION


@dataclass(frozen=True)
class Change:
    """A committed change: the generation it started from, chunk ids gone, chunk ids added."""

    before: int
    removed: np.ndarray
    added: np.ndarray


def replace_document(
    conn: sqlite3.Connection,
    key: str,
    facts: FileFacts,
    chunks: Sequence[Chunk],
    vectors: np.ndarray | None,
    error: str | None,
) -> Change:
    """Store this outcome for the file ``key`` (indexed with chunks, or failed with ``error``), replacing
    whatever was stored for it before."""
    values = (
        facts.title, facts.kind, facts.pages, len(chunks), facts.sha256, facts.size, facts.mtime, time.time(),
        "failed" if error else "indexed", error, json.dumps(facts.warnings), facts.chunk_tokens,
        facts.chunk_overlap, facts.chunker_version,
    )
    columns = ("title", "kind", "pages", "chunks", "sha256", "size", "mtime", "added_at", "state", "error",
               "warnings", "chunk_tokens", "chunk_overlap", "chunker_version")
    with transaction(conn):
        before = _bump_generation(conn)
        row = conn.execute("SELECT id FROM documents WHERE path = ?", (key,)).fetchone()
        if row:
            document_id = int(row[0])
            removed = _delete_chunks(conn, document_id)
            assignments = ", ".join(f"{c} = ?" for c in columns)
            conn.execute(f"UPDATE documents SET {assignments} WHERE id = ?", (*values, document_id))
        else:
            removed = _NO_IDS
            marks = ",".join("?" * (len(values) + 1))
            cursor = conn.execute(f"INSERT INTO documents (path, {', '.join(columns)}) VALUES ({marks})",
                                  (key, *values))
            document_id = int(cursor.lastrowid)  # type: ignore[arg-type]
        added = np.empty(len(chunks), dtype=np.int64)
        for i, chunk in enumerate(chunks):
            assert vectors is not None, "indexed chunks come with their vectors"
            cursor = conn.execute(
                'INSERT INTO chunks (document_id, ordinal, page, heading, start, "end", tokens, text, vector) '
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (document_id, chunk.ordinal, chunk.page, chunk.heading, chunk.start, chunk.end, chunk.tokens,
                 chunk.text, vectors[i].astype(np.float32).tobytes()),
            )
            chunk_id = int(cursor.lastrowid)  # type: ignore[arg-type]
            added[i] = chunk_id
            conn.execute(
                "INSERT INTO chunks_fts (rowid, text, heading, title) VALUES (?, ?, ?, ?)",
                (chunk_id, chunk.text, chunk.heading or "", facts.title),
            )
        faults.reach("commit")
    return Change(before, removed, added)


def delete_document(conn: sqlite3.Connection, keys: Sequence[str]) -> Change | None:
    """Forget the document stored under any of ``keys``; None if there is none."""
    marks = ",".join("?" * len(keys))
    with transaction(conn):
        row = conn.execute(f"SELECT id FROM documents WHERE path IN ({marks})", tuple(keys)).fetchone()
        if row is None:
            return None
        before = _bump_generation(conn)
        removed = _delete_chunks(conn, int(row[0]))
        conn.execute("DELETE FROM documents WHERE id = ?", (row[0],))
        faults.reach("remove")
    return Change(before, removed, _NO_IDS)


def _bump_generation(conn: sqlite3.Connection) -> int:
    generation = int(get_meta(conn, "vectors_generation") or 0)
    set_meta(conn, "vectors_generation", str(generation + 1))
    return generation


def _delete_chunks(conn: sqlite3.Connection, document_id: int) -> np.ndarray:
    ids = np.array(
        [r[0] for r in conn.execute("SELECT id FROM chunks WHERE document_id = ?", (document_id,))], dtype=np.int64
    )
    conn.execute("DELETE FROM chunks_fts WHERE rowid IN (SELECT id FROM chunks WHERE document_id = ?)",
                 (document_id,))
    conn.execute("DELETE FROM chunks WHERE document_id = ?", (document_id,))
    return ids
