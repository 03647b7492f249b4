"""The SQLite file that is the knowledge base's source of truth: documents, chunks with their vectors, and an
FTS5 keyword index. Everything else (the FAISS file) can be rebuilt from it.

Version history (``meta.schema_version``):
  1 - first version.
  2 - documents.chunker_version: the chunking.CHUNKER_VERSION a document was chunked with (0: before it was
      recorded), so documents chunked by an older Crossroads are read again.
A file with a newer version was made by a newer Crossroads and is refused (never modified); an older version is
upgraded in place by ``MIGRATIONS`` when one is listed, otherwise refused with the way out in the message.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from crossroads.errors import KnowledgeBaseError

SCHEMA_VERSION = 2
SQLITE_MAGIC = b"SQLite format 3\x00"

_TABLES = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    pages INTEGER,
    chunks INTEGER NOT NULL DEFAULT 0,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime REAL NOT NULL,
    added_at REAL NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('indexed', 'failed')),
    error TEXT,
    warnings TEXT NOT NULL DEFAULT '[]',
    chunk_tokens INTEGER NOT NULL DEFAULT 0,
    chunk_overlap INTEGER NOT NULL DEFAULT 0,
    chunker_version INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE chunks (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    page INTEGER,
    heading TEXT,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    tokens INTEGER NOT NULL,
    text TEXT NOT NULL,
    vector BLOB NOT NULL
);
CREATE INDEX chunks_by_document ON chunks(document_id, ordinal);
CREATE VIRTUAL TABLE chunks_fts USING fts5(text, heading, title, tokenize='porter unicode61');
"""

# version -> function upgrading a connection from that version to the next, inside a transaction.
def _add_chunker_version(conn: sqlite3.Connection) -> None:
    conn.execute("ALTER TABLE documents ADD COLUMN chunker_version INTEGER NOT NULL DEFAULT 0")


MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {1: _add_chunker_version}


def connect(db_path: Path, create: bool) -> sqlite3.Connection:
    """An open, checked connection (WAL, autocommit: callers group writes with ``transaction``)."""
    exists = db_path.exists()
    if exists:
        _check_header(db_path)
    elif not create:
        raise KnowledgeBaseError(f"There is no knowledge base at “{db_path.parent}”.")
    try:
        conn = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False, timeout=30.0)
    except sqlite3.Error as exc:
        raise KnowledgeBaseError(f"The knowledge base at “{db_path.parent}” could not be opened: {exc}.") from exc
    try:
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute("PRAGMA foreign_keys = ON")
        if not exists or _is_empty(conn):
            _create(conn)
        else:
            _check_version(conn, db_path)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise plain_error(exc, db_path) from exc  # a full disk while creating it is not damage
    except BaseException:
        conn.close()
        raise
    return conn


def damaged(db_path: Path) -> KnowledgeBaseError:
    return KnowledgeBaseError(
        f"The knowledge base file “{db_path}” is damaged and cannot be read. It has been left as it is; "
        "create a new knowledge base and add your documents again."
    )


def disk_full(folder: Path) -> KnowledgeBaseError:
    return KnowledgeBaseError(
        f"The disk is full: there is no space left for the knowledge base “{folder.name}”. Free some space and "
        "add the files again; what was already indexed is safe."
    )


def _check_header(db_path: Path) -> None:
    try:
        with db_path.open("rb") as handle:
            header = handle.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise KnowledgeBaseError(f"The knowledge base file “{db_path}” cannot be read: {exc.strerror}.") from exc
    if header and header != SQLITE_MAGIC:
        raise damaged(db_path)


def _is_empty(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0


def _create(conn: sqlite3.Connection) -> None:
    """All tables at once, in one transaction: a crash here leaves an empty file, created again next time."""
    conn.executescript(
        "BEGIN IMMEDIATE;"
        + _TABLES
        + f"INSERT INTO meta VALUES ('schema_version', '{SCHEMA_VERSION}');"
        + "INSERT INTO meta VALUES ('vectors_generation', '0');"
        + "COMMIT;"
    )


def _check_version(conn: sqlite3.Connection, db_path: Path) -> None:
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.OperationalError:
        row = None
    if row is None:
        raise KnowledgeBaseError(f"“{db_path}” is not a Crossroads knowledge base.")
    version = int(row[0])
    if version > SCHEMA_VERSION:
        raise KnowledgeBaseError(
            f"The knowledge base at “{db_path.parent}” was made by a newer version of Crossroads. "
            "Update Crossroads to open it."
        )
    while version < SCHEMA_VERSION:
        migrate = MIGRATIONS.get(version)
        if migrate is None:
            raise KnowledgeBaseError(
                f"The knowledge base at “{db_path.parent}” was made by an older version of Crossroads that "
                "this version cannot read. Create a new knowledge base and add your documents again."
            )
        with transaction(conn):
            migrate(conn)
            version += 1
            set_meta(conn, "schema_version", str(version))


class transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception (including KeyboardInterrupt)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self._conn.execute("BEGIN IMMEDIATE")
        return self._conn

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self._conn.execute("COMMIT")
        elif self._conn.in_transaction:  # SQLite may have rolled back already (e.g. on a full disk)
            self._conn.execute("ROLLBACK")


def get_meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))


def plain_error(exc: sqlite3.DatabaseError, db_path: Path) -> KnowledgeBaseError:
    text = str(exc).lower()
    if "full" in text:
        return disk_full(db_path.parent)
    if "locked" in text or "busy" in text:
        return KnowledgeBaseError(
            f"The knowledge base “{db_path.parent.name}” is busy in another Crossroads window; try again."
        )
    if "readonly" in text or "read-only" in text:
        return KnowledgeBaseError(f"The knowledge base “{db_path.parent}” cannot be changed: it is read-only.")
    return damaged(db_path)
