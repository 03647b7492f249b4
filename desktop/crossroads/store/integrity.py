"""Checking that a knowledge base agrees with itself, and mending what can be mended from SQLite.

Every write is one transaction, so none of these problems should ever appear; the check is how the reliability
tests prove it after each kill, and how a user (``crossroads kb check``) can tell a sound knowledge base from a
damaged one. Each problem is a plain sentence. ``repair`` fixes the derived parts (keyword rows, chunk counts,
orphan passages) and leaves anything it cannot fix to the message.
"""

from __future__ import annotations

import sqlite3

from crossroads.store.schema import get_meta, set_meta, transaction


def sql_problems(conn: sqlite3.Connection, dim: int | None) -> list[str]:
    """What is wrong inside the SQLite file: damage, orphans, keyword rows and counts out of step."""
    problems: list[str] = []
    verdict = [str(row[0]) for row in conn.execute("PRAGMA quick_check")]
    if verdict != ["ok"]:
        problems.append(f"the database file is damaged ({'; '.join(verdict[:3])})")
        return problems  # the other queries could not be trusted
    orphans = _count(conn, "SELECT count(*) FROM chunks WHERE document_id NOT IN (SELECT id FROM documents)")
    if orphans:
        problems.append(f"{orphans} passages belong to no document")
    unindexed = _count(conn, "SELECT count(*) FROM chunks WHERE id NOT IN (SELECT rowid FROM chunks_fts)")
    if unindexed:
        problems.append(f"{unindexed} passages are missing from the keyword index")
    stray = _count(conn, "SELECT count(*) FROM chunks_fts WHERE rowid NOT IN (SELECT id FROM chunks)")
    if stray:
        problems.append(f"{stray} keyword index entries belong to no passage")
    miscounted = _count(
        conn,
        "SELECT count(*) FROM documents d WHERE d.chunks != "
        "(SELECT count(*) FROM chunks c WHERE c.document_id = d.id)",
    )
    if miscounted:
        problems.append(f"{miscounted} documents show a wrong number of passages")
    if dim is not None:
        bad = _count(conn, "SELECT count(*) FROM chunks WHERE length(vector) != ?", (dim * 4,))
        if bad:
            problems.append(f"{bad} passages have a vector of the wrong size")
    return problems


def repair_sql(conn: sqlite3.Connection) -> None:
    """Bring the derived rows in line with the documents and chunks, in one transaction; bumps the vectors'
    generation so the FAISS index is rebuilt."""
    with transaction(conn):
        conn.execute("DELETE FROM chunks WHERE document_id NOT IN (SELECT id FROM documents)")
        conn.execute("DELETE FROM chunks_fts WHERE rowid NOT IN (SELECT id FROM chunks)")
        conn.execute(
            "INSERT INTO chunks_fts (rowid, text, heading, title) "
            "SELECT c.id, c.text, coalesce(c.heading, ''), d.title FROM chunks c JOIN documents d "
            "ON d.id = c.document_id WHERE c.id NOT IN (SELECT rowid FROM chunks_fts)"
        )
        conn.execute(
            "UPDATE documents SET chunks = (SELECT count(*) FROM chunks c WHERE c.document_id = documents.id)"
        )
        generation = int(get_meta(conn, "vectors_generation") or 0)
        set_meta(conn, "vectors_generation", str(generation + 1))


def _count(conn: sqlite3.Connection, sql: str, parameters: tuple[object, ...] = ()) -> int:
    return int(conn.execute(sql, parameters).fetchone()[0])
