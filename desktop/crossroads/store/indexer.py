"""Adding files to a knowledge base: read and chunk a few files, embed their chunks together, commit each file.

Embedding many files' chunks in one call keeps the embedder's batches full (a file of three chunks would
otherwise cost a whole batch), which is what keeps indexing within a few percent of the bare embedder.
Each file is committed in its own transaction only once all its vectors exist, so a cancel or a crash never
leaves half a file behind.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from crossroads import faults
from crossroads.cancel import CancelToken
from crossroads.errors import CrossroadsError, InputError
from crossroads.rag import chunking
from crossroads.rag.chunking import Chunk, check_chunk_settings, chunk_document
from crossroads.store.knowledge_base import path_key
from crossroads.store.records import REREAD_NOTE, IndexEvent, IndexSummary
from crossroads.store.writes import FileFacts

if TYPE_CHECKING:
    from crossroads.rag.embedding import Embedder
    from crossroads.store.knowledge_base import KnowledgeBase

log = logging.getLogger(__name__)

EMBED_GROUP_CHUNKS = 256  # embed once this many chunks are waiting (and at the end)
SAVE_INTERVAL_SECONDS = 10.0  # rewrite the FAISS file at most this often during a run (and at the end)


@dataclass
class _Ready:
    path: Path
    key: str
    facts: FileFacts
    chunks: list[Chunk]
    reread: bool = False  # unchanged, but chunked by an older Crossroads


@dataclass
class _Tally:
    indexed: int = 0
    skipped: int = 0
    reread: int = 0
    failed: int = 0
    removed: int = 0
    chunks: int = 0
    parse: float = 0.0
    embed: float = 0.0
    store: float = 0.0
    failures: dict[str, str] = field(default_factory=dict)


def check_chunks_fit(embedder: Embedder, chunk_tokens: int) -> None:
    """Chunks longer than the model reads would be cut silently when embedded; refuse them up front."""
    readable = embedder.max_tokens - 2  # the model adds [CLS] and [SEP]
    if chunk_tokens > readable:
        raise InputError(
            f"Chunks of {chunk_tokens} tokens are longer than the embedding model “{embedder.name}” reads "
            f"({readable} tokens). Choose {readable} or fewer."
        )


class Indexer:
    """One run of ``KnowledgeBase.add_paths``."""

    def __init__(
        self,
        kb: KnowledgeBase,
        embedder: Embedder,
        chunk_tokens: int,
        chunk_overlap: int,
        cancel: CancelToken,
        on_event: Callable[[IndexEvent], None] | None,
    ) -> None:
        self.kb = kb
        self.embedder = embedder
        self.chunk_tokens = chunk_tokens
        self.chunk_overlap = chunk_overlap
        self.cancel = cancel
        self._on_event = on_event
        self._tally = _Tally()
        self._pending: list[_Ready] = []
        self._finished = 0
        self._total = 0
        self._last_save = time.monotonic()

    def run(self, paths: Iterable[Path]) -> IndexSummary:
        started = time.perf_counter()
        check_chunk_settings(self.chunk_tokens, self.chunk_overlap)
        check_chunks_fit(self.embedder, self.chunk_tokens)
        self.kb._bind_model(self.embedder.name, self.embedder.model_path, self.embedder.dim)
        try:
            files = self._expand(paths)
            self._total = len(files)
            for path in files:
                self._emit("queued", path, total=self._total)
            for path in files:
                self.cancel.raise_if_cancelled()
                self._prepare(path)
                if sum(len(r.chunks) for r in self._pending) >= EMBED_GROUP_CHUNKS:
                    self._flush()
            self._flush()
        finally:
            self.kb.save_vectors()
        t = self._tally
        summary = IndexSummary(
            indexed=t.indexed, skipped=t.skipped, failed=t.failed, removed=t.removed, chunks_added=t.chunks,
            seconds=time.perf_counter() - started, parse_seconds=t.parse, embed_seconds=t.embed,
            store_seconds=t.store, failures=dict(t.failures), reread=t.reread,
        )
        self._emit("done", None, _summary_line(summary), chunks=t.chunks)
        return summary

    def _expand(self, paths: Iterable[Path]) -> list[Path]:
        """Files to index, in order, each once. A folder also forgets its documents whose files are gone."""
        from crossroads.ingest import iter_supported_files

        files: dict[str, Path] = {}
        for raw in paths:
            path = Path(raw).expanduser()
            if not path.exists():
                self._fail(path, f"“{path}” does not exist.")
                continue
            for found in iter_supported_files([path]):
                files.setdefault(path_key(found), found)
            if path.is_dir():
                self._forget_missing(path)
        return list(files.values())

    def _forget_missing(self, folder: Path) -> None:
        for stored in self.kb._paths_under(folder):
            if not Path(stored).exists() and self.kb._forget(stored):
                self._tally.removed += 1
                self._emit("removed", Path(stored), "the file is no longer in the folder")

    def _prepare(self, path: Path) -> None:
        from crossroads.ingest import load_document

        began = time.perf_counter()
        key = path_key(path)
        self._emit("reading", path, done=self._finished, total=self._total)
        try:
            stat = path.stat()
            facts = FileFacts(path.name, _sha256(path), stat.st_size, stat.st_mtime, self.chunk_tokens,
                              self.chunk_overlap, chunker_version=chunking.CHUNKER_VERSION)
        except OSError as exc:
            self._fail(path, f"“{path.name}” could not be read: {exc.strerror or exc}.")
            self._progress()
            return
        existing = self.kb._existing(key)
        same = (facts.sha256, "indexed", self.chunk_tokens, self.chunk_overlap)
        reread = existing is not None and existing[:4] == same
        if reread and existing[4] == facts.chunker_version:
            self._tally.skipped += 1
            self._tally.parse += time.perf_counter() - began
            self._emit("skipped", path, "unchanged")
            self._progress()
            return
        try:
            doc = load_document(path)
        except CrossroadsError as exc:  # UnreadableFile mostly; any reason meant for the user
            self._record_failure(path, key, facts, exc.message)
            return
        except Exception as exc:  # a loader bug must not stop a batch of hundreds of files
            log.exception("loading %s failed", path)
            self._record_failure(
                path, key, facts, f"Crossroads could not read this file because of an internal problem ({exc})."
            )
            return
        facts.title, facts.kind, facts.pages = doc.title or path.name, doc.kind, doc.page_count
        facts.warnings = list(doc.warnings)
        chunks = chunk_document(doc, self.embedder.count_tokens, self.chunk_tokens, self.chunk_overlap)
        self._tally.parse += time.perf_counter() - began
        faults.reach("parse")
        if not chunks:
            self._record_failure(path, key, facts, "The file contains no text to index.")
            return
        self._pending.append(_Ready(path, key, facts, chunks, reread))

    def _flush(self) -> None:
        if not self._pending:
            return
        ready, self._pending = self._pending, []
        texts = [c.text for r in ready for c in r.chunks]
        message = f"{len(texts)} passages from {len(ready)} file{'s' if len(ready) > 1 else ''}"
        self._emit("embedding", None, message, done=0, total=len(texts))
        began = time.perf_counter()
        vectors = self.embedder.encode(
            texts,
            cancel=self.cancel,
            on_progress=lambda done, total: self._embedded(message, done, total),
        )
        self._tally.embed += time.perf_counter() - began
        began = time.perf_counter()
        offset = 0
        for item in ready:
            part = vectors[offset : offset + len(item.chunks)]
            offset += len(item.chunks)
            self.kb._store_document(item.key, item.facts, item.chunks, part, None)
            self._tally.indexed += 1
            self._tally.chunks += len(item.chunks)
            self._tally.reread += item.reread
            note = f", {REREAD_NOTE}" if item.reread else ""
            self._emit("indexed", item.path, f"{len(item.chunks)} chunks{note}", chunks=len(item.chunks))
            self._progress()
        if time.monotonic() - self._last_save >= SAVE_INTERVAL_SECONDS:
            self.kb.save_vectors()
            self._last_save = time.monotonic()
        self._tally.store += time.perf_counter() - began

    def _embedded(self, message: str, done: int, total: int) -> None:
        faults.reach("embed")
        self._emit("embedding", None, message, done=done, total=total)

    def _record_failure(self, path: Path, key: str, facts: FileFacts, reason: str) -> None:
        """A failed file is stored as failed (replacing any older chunks of it) so the library shows why."""
        self.kb._store_document(key, facts, [], None, reason)
        self._fail(path, reason)
        self._progress()

    def _fail(self, path: Path, reason: str) -> None:
        self._tally.failed += 1
        self._tally.failures[str(path)] = reason
        self._emit("failed", path, reason)

    def _progress(self) -> None:
        self._finished += 1
        self._emit("progress", None, done=self._finished, total=self._total)

    def _emit(
        self, kind: str, path: Path | None, message: str = "", done: int = 0, total: int = 0, chunks: int = 0
    ) -> None:
        if self._on_event is not None:
            self._on_event(IndexEvent(kind, path, message, done, total, chunks))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _summary_line(s: IndexSummary) -> str:
    parts = [f"{s.indexed} indexed ({s.chunks_added} chunks)", f"{s.skipped} unchanged", f"{s.failed} failed"]
    if s.removed:
        parts.append(f"{s.removed} removed")
    if s.reread:
        parts.append(reread_line(s.reread))
    return ", ".join(parts) + f" in {s.seconds:.1f} s"



def reread_line(count: int) -> str:
    """Why unchanged files took time: said once per run, so a user is not surprised by a slow re-index."""
    return f"{count} {'document' if count == 1 else 'documents'} re-read because Crossroads reads them better now"
