"""The knowledge base on disk: SQLite (source of truth, keyword index, vectors) plus a derived FAISS index; or, shared,
on a PostgreSQL server with pgvector (``store.postgres``). ``open_knowledge_base`` opens either from what a user
typed: a name, a folder, or ``postgresql://...?kb=NAME``."""

from crossroads.store.knowledge_base import KnowledgeBase
from crossroads.store.records import ChunkRecord, DocumentRecord, IndexEvent, IndexSummary
from crossroads.store.registry import delete_kb, list_kbs, open_knowledge_base, rename_kb, resolve_kb_path

__all__ = [
    "ChunkRecord",
    "DocumentRecord",
    "IndexEvent",
    "IndexSummary",
    "KnowledgeBase",
    "delete_kb",
    "list_kbs",
    "open_knowledge_base",
    "rename_kb",
    "resolve_kb_path",
]
