"""A knowledge base: one folder holding the SQLite source of truth and the FAISS file derived from it.

Every change to the chunks bumps ``vectors_generation`` in SQLite in the same transaction. The FAISS file records
the generation it was saved at; on open (and before each search, in case another process wrote), a file whose
generation differs, or that is missing or damaged, is rebuilt from the vectors kept in SQLite. So a crash at any
moment leaves SQLite consistent (each file's chunks commit in one transaction) and FAISS recoverable.

Thread safety: one lock guards the connection and the FAISS index; indexing holds it only while committing, so
searches stay quick while a long indexing run embeds. Across processes, changes take the knowledge base's write
lock (``store.lock``): a second writer is told to wait; readers never are.
"""

from __future__ import annotations

import contextlib
import errno
import json
import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from crossroads.cancel import NEVER, CancelToken
from crossroads.errors import KnowledgeBaseError
from crossroads.store import integrity, schema
from crossroads.store.keyword import SAMPLE_FROM, drop_ubiquitous, fts_phrase, fts_query, query_terms, within_budget
from crossroads.store.lock import WriteLock
from crossroads.store.mirror import VectorMirror, remove_orphan_temporaries
from crossroads.store.records import ChunkRecord, DocumentRecord, IndexEvent, IndexSummary
from crossroads.store.schema import get_meta, set_meta, transaction
from crossroads.store.writes import FileFacts, delete_document, replace_document

if TYPE_CHECKING:
    from crossroads.rag.chunking import Chunk
    from crossroads.rag.embedding import Embedder

DB_NAME = "knowledge.sqlite"
VECTORS_NAME = "vectors.faiss"
BM25_WEIGHTS = (1.0, 0.5, 0.25)  # chunk text, heading, document title
PRUNE_FROM_CHUNKS = 10_000  # below this, scoring every match is already fast

_DOCUMENT_COLUMNS = "id, path, title, kind, pages, chunks, sha256, size, added_at, state, error, warnings"
_CHUNK_SELECT = """
    SELECT c.id, c.document_id, d.title, d.path, d.kind, c.page, c.heading, c.start, c."end", c.text
    FROM chunks c JOIN documents d ON d.id = c.document_id
"""


class KnowledgeBase:
    """Documents, their chunks and vectors, and the two searches over them. Open with ``KnowledgeBase.open``."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.name = path.name
        self._conn = conn
        self._lock = threading.RLock()
        self._mirror = VectorMirror(conn, path / VECTORS_NAME)
        self._writes = WriteLock(path)
        self._closed = False
        self._total: tuple[int, int] = (-1, 0)  # (generation, chunk count)

    # -- opening and closing ------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path, create: bool = False, embedding_model: str | None = None) -> KnowledgeBase:
        path = Path(path).expanduser()
        if path.exists() and not path.is_dir():
            raise KnowledgeBaseError(f"“{path}” is a file, not a knowledge base folder.")
        made = not path.exists()
        if made:
            if not create:
                raise KnowledgeBaseError(f"There is no knowledge base at “{path}”.")
            try:
                path.mkdir(parents=True)
            except OSError as exc:
                if exc.errno == errno.ENOSPC:
                    raise schema.disk_full(path) from exc
                raise KnowledgeBaseError(f"The folder “{path}” could not be created: {exc.strerror}.") from exc
        try:
            conn = schema.connect(path / DB_NAME, create)
        except BaseException:
            if made:  # leave no empty knowledge base behind (a full disk, a read-only folder)
                shutil.rmtree(path, ignore_errors=True)
            raise
        kb = cls(path, conn)
        try:
            remove_orphan_temporaries(path / VECTORS_NAME)
            with kb._sql():
                if embedding_model:
                    kb._bind_model(embedding_model, None, None)
                kb._mirror.refresh(kb.dim)
        except BaseException:
            kb._conn.close()
            raise
        return kb

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            try:
                self.save_vectors()
            finally:
                self._closed = True
                self._conn.close()

    def __enter__(self) -> KnowledgeBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- what it holds ------------------------------------------------------------------------------------

    @property
    def embedding_model(self) -> str:
        """Name of the embedding model the vectors come from; "" until the first file is indexed."""
        return self._meta("embedding_model") or ""

    @property
    def embedding_model_path(self) -> Path | None:
        """Where that model was when the KB was last indexed: a hint for finding it again."""
        value = self._meta("embedding_model_path")
        return Path(value) if value else None

    @property
    def dim(self) -> int | None:
        value = self._meta("dim")
        return int(value) if value else None

    def documents(self) -> list[DocumentRecord]:
        with self._sql():
            rows = self._conn.execute(f"SELECT {_DOCUMENT_COLUMNS} FROM documents ORDER BY path").fetchall()
        return [_document(row) for row in rows]

    def chunk_count(self) -> int:
        with self._sql():
            return int(self._conn.execute("SELECT count(*) FROM chunks").fetchone()[0])

    def chunk(self, chunk_id: int) -> ChunkRecord:
        found = self.chunks([chunk_id])
        if not found:
            raise KnowledgeBaseError(
                "That passage is no longer in the knowledge base; its document was removed or indexed again."
            )
        return found[0]

    def chunks(self, ids: Sequence[int]) -> list[ChunkRecord]:
        """The chunks that still exist, in the order of ``ids``."""
        if not ids:
            return []
        by_id: dict[int, ChunkRecord] = {}
        wanted = list(dict.fromkeys(int(i) for i in ids))
        with self._sql():
            for begin in range(0, len(wanted), 500):
                part = wanted[begin : begin + 500]
                marks = ",".join("?" * len(part))
                for row in self._conn.execute(f"{_CHUNK_SELECT} WHERE c.id IN ({marks})", part):
                    by_id[row[0]] = ChunkRecord(*row)
        return [by_id[i] for i in wanted if i in by_id]

    def document_chunks(self, document_id: int) -> list[ChunkRecord]:
        """All passages of one document in reading order: enough to show any passage in its context."""
        with self._sql():
            rows = self._conn.execute(f'{_CHUNK_SELECT} WHERE c.document_id = ? ORDER BY c.start', (document_id,))
            return [ChunkRecord(*row) for row in rows]

    # -- search -------------------------------------------------------------------------------------------

    def dense_search(self, query_vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """(chunk id, cosine) of the k nearest chunks, best first."""
        with self._sql():
            self._mirror.refresh(self.dim)
            index = self._mirror.index
            if index is None:
                return []
            if query_vector.shape[-1] != index.dim:
                raise KnowledgeBaseError(
                    f"The question was embedded with {query_vector.shape[-1]} dimensions, but this knowledge "
                    f"base holds {index.dim}; use its embedding model “{self.embedding_model}”."
                )
            return index.search(query_vector, k)

    def keyword_search(self, query: str, k: int) -> list[tuple[int, float]]:
        """(chunk id, BM25 score, higher is better) for chunks sharing words with ``query``, best first."""
        terms = query_terms(query)
        if not terms or k <= 0:
            return []
        weights = ", ".join(str(w) for w in BM25_WEIGHTS)
        with self._sql():
            total = self._chunk_total()
            if total >= SAMPLE_FROM:  # counting exactly would cost as much as scoring
                terms = within_budget(self._conn, terms, total)
            elif total >= PRUNE_FROM_CHUNKS:
                terms = drop_ubiquitous(self._conn, terms, total)
            match = fts_query(terms)
            if match is None:
                return []
            rows = self._conn.execute(
                f"SELECT rowid, bm25(chunks_fts, {weights}) AS rank FROM chunks_fts "
                "WHERE chunks_fts MATCH ? ORDER BY rank LIMIT ?",
                (match, k),
            ).fetchall()
        return [(int(rowid), -float(rank)) for rowid, rank in rows]

    def mentions(self, terms: Iterable[str]) -> set[str]:
        """The terms (words or short phrases) that appear somewhere in the knowledge base: any passage's text,
        heading or document title, with the keyword index's own folding (case, accents, English endings)."""
        found: set[str] = set()
        with self._sql():
            for term in terms:
                match = fts_phrase(term)
                if match and self._conn.execute(
                    "SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT 1", (match,)
                ).fetchone():
                    found.add(term)
        return found

    # -- changes ------------------------------------------------------------------------------------------

    def add_paths(
        self,
        paths: Iterable[Path],
        embedder: Embedder,
        chunk_tokens: int = 200,
        chunk_overlap: int = 40,
        cancel: CancelToken = NEVER,
        on_event: Callable[[IndexEvent], None] | None = None,
    ) -> IndexSummary:
        """Index files and folders; unchanged files are skipped, changed ones replaced, unreadable ones
        recorded as failed. Raises ``Cancelled`` between files or batches; what was committed stays."""
        from crossroads.store.indexer import Indexer

        with self._writes.held():
            return Indexer(self, embedder, chunk_tokens, chunk_overlap, cancel, on_event).run(paths)

    def remove(self, path: Path | str) -> bool:
        """Forget a document (its chunks, vectors and keyword entries). False if it was not there."""
        with self._writes.held():
            removed = self._forget(path)
            if removed:
                self.save_vectors()
        return removed

    # -- integrity ----------------------------------------------------------------------------------------

    def check(self) -> list[str]:
        """What is wrong, in plain words; empty when documents, passages, keyword index and vectors agree."""
        with self._sql():
            problems = integrity.sql_problems(self._conn, self.dim)
            if not problems or not problems[0].startswith("the database file is damaged"):
                self._mirror.refresh(self.dim)
                problems += self._mirror.problems(self.dim)
        return problems

    def repair(self) -> list[str]:
        """Mend what ``check`` found from the SQLite rows (a damaged file cannot be mended: that raises);
        returns the problems that were fixed."""
        with self._writes.held(), self._sql():
            found = self.check()
            if found and found[0].startswith("the database file is damaged"):
                raise schema.damaged(self.path / DB_NAME)
            if found:
                integrity.repair_sql(self._conn)
                self._total = (-1, 0)
                if self.dim is not None:
                    self._mirror.rebuild(self.dim)
            left = self.check()
        if left:
            raise KnowledgeBaseError(f"The knowledge base “{self.name}” could not be repaired: {'; '.join(left)}.")
        return found

    def save_vectors(self) -> None:
        """Write the FAISS file if it changed. Failing to write costs only a rebuild on next open."""
        with self._lock:
            if not self._closed:
                self._mirror.save()

    # -- internals shared with the indexer ----------------------------------------------------------------

    def _bind_model(self, name: str, model_path: Path | None, dim: int | None) -> None:
        """Record the embedding model on first use; refuse any other model afterwards."""
        with self._lock:
            known = self._meta("embedding_model")
            if known and known.casefold() != name.casefold():
                raise KnowledgeBaseError(
                    f"The knowledge base “{self.name}” was built with the embedding model “{known}”, not "
                    f"“{name}”. Use “{known}”, or create a new knowledge base for “{name}”."
                )
            known_dim = self.dim
            if dim is not None and known_dim is not None and dim != known_dim:
                raise KnowledgeBaseError(
                    f"The embedding model “{name}” makes vectors of {dim} numbers, but the knowledge base "
                    f"“{self.name}” holds vectors of {known_dim}. Create a new knowledge base for this model."
                )
            with transaction(self._conn):
                if not known:
                    set_meta(self._conn, "embedding_model", name)
                if model_path is not None:
                    set_meta(self._conn, "embedding_model_path", str(model_path))
                if dim is not None and known_dim is None:
                    set_meta(self._conn, "dim", str(dim))

    def _existing(self, key: str) -> tuple[str, str, int, int, int] | None:
        """(sha256, state, chunk_tokens, chunk_overlap, chunker_version) of the document stored under ``key``."""
        with self._sql():
            row = self._conn.execute(
                "SELECT sha256, state, chunk_tokens, chunk_overlap, chunker_version FROM documents WHERE path = ?",
                (key,),
            ).fetchone()
        return None if row is None else (row[0], row[1], row[2], row[3], row[4])

    def _paths_under(self, folder: Path) -> list[str]:
        prefix = path_key(folder).rstrip("/\\")
        with self._sql():
            rows = self._conn.execute("SELECT path FROM documents").fetchall()
        return [p for (p,) in rows if Path(p).is_relative_to(prefix)]

    def _forget(self, path: Path | str) -> bool:
        """``remove`` without writing the FAISS file: the indexer writes it once at the end."""
        with self._sql():
            change = delete_document(self._conn, (str(path), path_key(Path(path))))
            if change is not None:
                self._mirror.apply(change, None, self.dim)
        return change is not None

    def _store_document(
        self, key: str, facts: FileFacts, chunks: Sequence[Chunk], vectors: np.ndarray | None, error: str | None
    ) -> None:
        """Replace whatever was stored for ``key`` with this outcome, in one transaction, then mirror it."""
        with self._sql():
            change = replace_document(self._conn, key, facts, chunks, vectors, error)
            self._mirror.apply(change, vectors, self.dim)

    def _chunk_total(self) -> int:
        """The chunk count, counted again only when the chunks changed."""
        generation = int(self._meta("vectors_generation") or 0)
        if self._total[0] != generation:
            self._total = (generation, self.chunk_count())
        return self._total[1]

    def _meta(self, key: str) -> str | None:
        with self._sql():
            return get_meta(self._conn, key)

    @contextlib.contextmanager
    def _sql(self) -> Iterator[None]:
        """Hold the lock, and turn SQLite failures into messages a user can act on."""
        with self._lock:
            if self._closed:
                raise KnowledgeBaseError(f"The knowledge base “{self.name}” is closed.")
            try:
                yield
            except (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError):
                raise  # a bug in Crossroads, not a state of the user's file
            except sqlite3.DatabaseError as exc:
                raise schema.plain_error(exc, self.path / DB_NAME) from exc


def path_key(path: Path) -> str:
    """How a document's path is stored: absolute, symlinks resolved, so one file is one document."""
    return str(Path(path).expanduser().resolve())


def _document(row: tuple) -> DocumentRecord:
    values = list(row)
    values[-1] = json.loads(values[-1] or "[]")
    return DocumentRecord(*values)
