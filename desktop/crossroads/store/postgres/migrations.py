"""The tables of one knowledge base, in its own PostgreSQL schema, made by numbered migrations.

One schema per knowledge base (not a ``kb`` column in shared tables) because the vector column's type carries the
embedding model's dimension, and an HNSW index needs that fixed type: knowledge bases built with different models
could not share one indexed column. A schema also keeps each knowledge base's migrations, indexes and removal
(``DROP SCHEMA ... CASCADE``) its own.

Applied versions are recorded in ``migrations``; a schema with a version newer than this Crossroads knows is
refused untouched. Migrations run under a transaction-scoped advisory lock, so two processes opening a new
knowledge base at once do not race. The vector column gets its dimension (and its HNSW index) when the first
embedding model is bound, see ``bind_dimension``.
"""

from __future__ import annotations

import hashlib
import re

from crossroads.errors import KnowledgeBaseError

# version, what it does, SQL (run with search_path set to the knowledge base's schema)
MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        "meta, documents, passages with vector and keyword columns",
        """
        CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
        CREATE TABLE documents (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            path text NOT NULL UNIQUE,
            title text NOT NULL,
            kind text NOT NULL,
            pages integer,
            chunks integer NOT NULL DEFAULT 0,
            sha256 text NOT NULL,
            size bigint NOT NULL,
            mtime double precision NOT NULL,
            added_at double precision NOT NULL,
            state text NOT NULL CHECK (state IN ('indexed', 'failed')),
            error text,
            warnings jsonb NOT NULL DEFAULT '[]',
            chunk_tokens integer NOT NULL DEFAULT 0,
            chunk_overlap integer NOT NULL DEFAULT 0,
            chunker_version integer NOT NULL DEFAULT 0
        );
        CREATE TABLE chunks (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            document_id bigint NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            ordinal integer NOT NULL,
            page integer,
            heading text,
            start integer NOT NULL,
            "end" integer NOT NULL,
            tokens integer NOT NULL,
            text text NOT NULL,
            title text NOT NULL,
            embedding vector NOT NULL,
            -- weights as the SQLite store's BM25 columns: text first, then heading, then the document's title
            tsv tsvector GENERATED ALWAYS AS (
                setweight(to_tsvector('english'::regconfig, text), 'A')
                || setweight(to_tsvector('english'::regconfig, coalesce(heading, '')), 'B')
                || setweight(to_tsvector('english'::regconfig, title), 'C')
            ) STORED
        );
        CREATE INDEX chunks_by_document ON chunks (document_id, ordinal);
        CREATE INDEX chunks_keywords ON chunks USING gin (tsv);
        """,
    ),
]
LATEST = MIGRATIONS[-1][0]
VECTOR_INDEX = "chunks_embedding_hnsw"


def schema_name(kb: str) -> str:
    """The schema of the knowledge base ``kb``: readable, and unique by a hash of the exact name (PostgreSQL
    cuts identifiers at 63 bytes, and names may hold spaces and any letters)."""
    slug = re.sub(r"[^a-z0-9]+", "_", kb.casefold()).strip("_")[:24]
    digest = hashlib.sha256(kb.encode()).hexdigest()[:10]
    return f"crossroads_kb_{slug}_{digest}" if slug else f"crossroads_kb_{digest}"


def lock_key(schema: str, purpose: str) -> int:
    """A 64-bit advisory-lock key for one purpose ("write", "migrate") on one knowledge base."""
    digest = hashlib.sha256(f"crossroads {purpose} {schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def migrate(conn, schema: str, kb: str) -> None:  # type: ignore[no-untyped-def]
    """Create or upgrade the knowledge base's tables; refuse a schema made by a newer Crossroads. An up-to-date
    knowledge base is only read, so a role allowed to read and write rows, not to create tables, can open it."""
    if conn.execute("SELECT to_regclass(%s) IS NOT NULL", (f'"{schema}".migrations',)).fetchone()[0]:
        applied = _applied(conn, kb)
        if applied >= {version for version, _, _ in MIGRATIONS}:
            return
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key(schema, "migrate"),))
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        conn.execute(
            "CREATE TABLE IF NOT EXISTS migrations (version integer PRIMARY KEY, description text NOT NULL, "
            "applied_at timestamptz NOT NULL DEFAULT now())"
        )
        applied = _applied(conn, kb)  # again, under the lock: another process may have just migrated
        for version, description, statements in MIGRATIONS:
            if version in applied:
                continue
            conn.execute(statements)
            conn.execute("INSERT INTO migrations (version, description) VALUES (%s, %s)", (version, description))
        conn.execute("INSERT INTO meta (key, value) VALUES ('name', %s) ON CONFLICT (key) DO NOTHING", (kb,))


def _applied(conn, kb: str) -> set[int]:  # type: ignore[no-untyped-def]
    applied = {int(row[0]) for row in conn.execute("SELECT version FROM migrations")}
    if applied and max(applied) > LATEST:
        raise KnowledgeBaseError(
            f"The knowledge base “{kb}” was made by a newer Crossroads (schema version {max(applied)}, this "
            f"one knows {LATEST}); update Crossroads to open it."
        )
    return applied


def bind_dimension(conn, schema: str, dim: int) -> None:  # type: ignore[no-untyped-def]
    """Give the vector column its dimension and build its HNSW (cosine) index if either is missing; inside the
    caller's transaction. (pgvector keeps the dimension as the column's type modifier.)"""
    typmod = conn.execute(
        "SELECT atttypmod FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attname = 'embedding'",
        (f'"{schema}".chunks',),
    ).fetchone()[0]
    if typmod != int(dim):
        conn.execute(f"ALTER TABLE chunks ALTER COLUMN embedding TYPE vector({int(dim)})")
    conn.execute(f"CREATE INDEX IF NOT EXISTS {VECTOR_INDEX} ON chunks USING hnsw (embedding vector_cosine_ops)")
