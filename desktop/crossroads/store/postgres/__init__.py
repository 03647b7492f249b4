"""A knowledge base kept on a PostgreSQL server with pgvector: the shared store a team points at.

Same surface as ``store.KnowledgeBase`` (the SQLite + FAISS store), so the indexer and retrieval work on either.
Needs the optional ``postgres`` extra (psycopg 3); importing this package does not import psycopg.
"""

from crossroads.store.postgres.address import ServerAddress, is_server_url, parse_server_url
from crossroads.store.postgres.knowledge_base import PostgresKnowledgeBase

__all__ = ["PostgresKnowledgeBase", "ServerAddress", "is_server_url", "parse_server_url"]
