"""Which knowledge bases a PostgreSQL server holds: what the app's "Shared knowledge base" dialog offers to open.

Each knowledge base is a schema named ``crossroads_kb_…`` whose ``meta`` table keeps its exact name. A schema the
user's role may not read is left out rather than failing the whole list.
"""

from __future__ import annotations

from crossroads.store.postgres.address import compose_server_url, parse_server_url
from crossroads.store.postgres.connection import connect, psycopg_module

_SCHEMAS = r"SELECT nspname FROM pg_namespace WHERE nspname LIKE 'crossroads\_kb\_%' ORDER BY nspname"


def list_server_kbs(server: str, password: str | None = None) -> list[str]:
    """The knowledge bases on the server at ``server`` (``postgresql://USER@HOST:PORT/DATABASE``), by name.
    Raises ``InputError`` for a malformed address and ``KnowledgeBaseError`` when the server cannot be reached."""
    address = parse_server_url(compose_server_url(server, "listing", password))
    psycopg = psycopg_module()
    conn = connect(address)
    names: list[str] = []
    try:
        for (schema,) in conn.execute(_SCHEMAS).fetchall():
            try:
                row = conn.execute(f'SELECT value FROM "{schema}".meta WHERE key = %s', ("name",)).fetchone()
            except psycopg.Error:
                continue  # not readable by this role, or half-made: not offered
            if row and row[0]:
                names.append(str(row[0]))
    finally:
        conn.close()
    return sorted(names, key=str.casefold)
