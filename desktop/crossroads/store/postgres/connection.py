"""Connecting to the knowledge-base server, and saying plainly when that fails: host and port named, no password,
no traceback. psycopg (the ``postgres`` extra) is imported only here, and only when a server URL is used."""

from __future__ import annotations

from typing import Any

from crossroads.errors import KnowledgeBaseError
from crossroads.store.postgres import migrations
from crossroads.store.postgres.address import ServerAddress


def psycopg_module() -> Any:
    try:
        import psycopg
    except ImportError:
        raise KnowledgeBaseError(
            "Knowledge bases on a PostgreSQL server need the psycopg package: pip install 'crossroads[postgres]'."
        ) from None
    return psycopg


def connect(address: ServerAddress) -> Any:
    """An autocommit connection (reads see every commit at once; writes open their own transactions)."""
    psycopg = psycopg_module()
    try:
        return psycopg.connect(address.conninfo, autocommit=True, application_name="crossroads")
    except psycopg.Error as exc:
        raise unreachable(address, exc) from None


def unreachable(address: ServerAddress, exc: BaseException) -> KnowledgeBaseError:
    return KnowledgeBaseError(
        f"The knowledge-base server at {address.where} is not reachable: {address.scrub(first_line(exc))}."
    )


def ensure_vector_extension(conn: Any, address: ServerAddress) -> None:
    """pgvector must be installed in the database; creating it needs rights a team's server may not grant."""
    psycopg = psycopg_module()
    if conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'vector'").fetchone():
        return
    try:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (migrations.lock_key("", "extension"),))
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    except (psycopg.errors.InsufficientPrivilege, psycopg.errors.FeatureNotSupported,
            psycopg.errors.UndefinedFile) as exc:
        raise KnowledgeBaseError(
            f"The PostgreSQL server at {address.where} has no pgvector extension in this database, and it could "
            f"not be added ({first_line(exc)}). Ask its administrator to run: CREATE EXTENSION vector;"
        ) from None


def extension_schema(conn: Any) -> str:
    """Where pgvector's type and operators live, for the search path; ``public`` until it is installed."""
    row = conn.execute(
        "SELECT quote_ident(n.nspname) FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'vector'"
    ).fetchone()
    return row[0] if row else "public"


def first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0].rstrip(".")
