"""Plain data a knowledge base hands out: documents, chunks, and the events and summary of an indexing run."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class DocumentRecord:
    """A file the knowledge base knows. ``state`` is "indexed" or "failed" (then ``error`` says why)."""

    id: int
    path: str
    title: str
    kind: str
    pages: int | None
    chunks: int
    sha256: str
    size: int
    added_at: float
    state: str
    error: str | None
    warnings: list[str]


@dataclass(frozen=True)
class ChunkRecord:
    """A stored passage with what a citation needs: its document, page, heading and place in the text."""

    id: int
    document_id: int
    document_title: str
    document_path: str
    kind: str
    page: int | None
    heading: str | None
    start: int
    end: int
    text: str


REREAD_NOTE = "read again: Crossroads reads it better now"


@dataclass(frozen=True)
class IndexEvent:
    """One step of an indexing run, for a progress line or a row in the library view.

    kind: "queued", "reading", "embedding", "indexed", "skipped" (unchanged), "failed", "removed",
    "progress" (files finished: done/total), "done". An "indexed" event's message ends with ``REREAD_NOTE``
    when the file was unchanged but read again because an older Crossroads had chunked it.
    For "embedding", done/total count passages embedded in the current batch of files.
    """

    kind: str
    path: Path | None = None
    message: str = ""
    done: int = 0
    total: int = 0
    chunks: int = 0


@dataclass(frozen=True)
class IndexSummary:
    """What an indexing run did, and where its time went (reading+chunking, embedding, storing)."""

    indexed: int
    skipped: int
    failed: int
    removed: int
    chunks_added: int
    seconds: float
    parse_seconds: float = 0.0
    embed_seconds: float = 0.0
    store_seconds: float = 0.0
    failures: dict[str, str] = field(default_factory=dict)  # path -> reason
    reread: int = 0  # of ``indexed``: unchanged files read again because an older Crossroads had chunked them
