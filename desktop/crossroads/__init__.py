"""Crossroads: fine-tune or RAG? Decide with evidence, on your own documents, fully offline."""

__version__ = "0.1.0"
