"""The knowledge base on disk: SQLite (source of truth, keyword index, vectors) plus a derived FAISS index."""

from crossroads.store.knowledge_base import KnowledgeBase
from crossroads.store.records import ChunkRecord, DocumentRecord, IndexEvent, IndexSummary
from crossroads.store.registry import delete_kb, list_kbs, rename_kb, resolve_kb_path

__all__ = [
    "ChunkRecord",
    "DocumentRecord",
    "IndexEvent",
    "IndexSummary",
    "KnowledgeBase",
    "delete_kb",
    "list_kbs",
    "rename_kb",
    "resolve_kb_path",
]
