"""``PostgresKnowledgeBase``: documents, passages, vectors (pgvector, HNSW) and keywords (full-text search, GIN)
on a PostgreSQL server, with the surface of the SQLite store so the indexer and retrieval use either unchanged.

Consistency comes from the server: each document's replacement (its row, old passages out, new passages in) is one
transaction, so readers in any process see a document wholly before or wholly after. Across processes, changes
take the knowledge base's write lock, a session-level ``pg_advisory_lock``: a second writer waits a moment, then
is told to try again (as with the SQLite store's file lock); readers never wait. The server releases the lock when
the session ends, so a killed writer never leaves it held. Vectors are durable at commit: there is no derived file
to save or rebuild.

Thread safety: one lock guards the connection, held per statement or transaction, as in the SQLite store.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from crossroads import faults
from crossroads.cancel import NEVER, CancelToken
from crossroads.errors import KnowledgeBaseError
from crossroads.store.keyword import query_terms
from crossroads.store.knowledge_base import path_key
from crossroads.store.lock import WAIT_SECONDS, busy_named
from crossroads.store.postgres import migrations
from crossroads.store.postgres.address import ServerAddress, parse_server_url
from crossroads.store.postgres.connection import (
    connect,
    ensure_vector_extension,
    extension_schema,
    first_line,
    psycopg_module,
    unreachable,
)
from crossroads.store.postgres.keywords import CommonWords
from crossroads.store.records import ChunkRecord, DocumentRecord, IndexEvent, IndexSummary

if TYPE_CHECKING:
    from crossroads.rag.chunking import Chunk
    from crossroads.rag.embedding import Embedder
    from crossroads.store.writes import FileFacts

_DOCUMENT_COLUMNS = "id, path, title, kind, pages, chunks, sha256, size, added_at, state, error, warnings"
_CHUNK_SELECT = """
    SELECT c.id, c.document_id, d.title, d.path, d.kind, c.page, c.heading, c.start, c."end", c.text
    FROM chunks c JOIN documents d ON d.id = c.document_id
"""
_FACT_COLUMNS = ("title", "kind", "pages", "chunks", "sha256", "size", "mtime", "added_at", "state", "error",
                 "warnings", "chunk_tokens", "chunk_overlap", "chunker_version")
TEXT_SEARCH_CONFIG = "english"  # stemming as the SQLite store's porter tokenizer
RANK_NORMALIZATION = 1  # ts_rank_cd divided by 1 + log(length): long passages do not win by size alone
# HNSW's candidate list: pgvector's default (40) found 0.88 of the exact top 10 on embedding-shaped vectors at 10k
# (bench/bench_pgvector.py); 100 costs a little more time for a recall close to FAISS's exact search.
EF_SEARCH = 100
MAX_EF_SEARCH = 1000  # pgvector's ceiling for hnsw.ef_search


class PostgresKnowledgeBase:
    """A knowledge base in its own schema on a PostgreSQL server. Open with ``PostgresKnowledgeBase.open(url)``."""

    def __init__(self, address: ServerAddress, conn: Any, lock_wait: float) -> None:
        self.address = address
        self.name = address.kb
        self.path = address.display  # where it is, for display: the URL without any password
        self.schema = migrations.schema_name(address.kb)
        self._conn = conn
        self._lock = threading.RLock()
        self._lock_wait = lock_wait
        self._write_key = migrations.lock_key(self.schema, "write")
        self._closed = False
        self._fixed: dict[str, str] = {}  # meta values that never change once set (model name, dimension)
        self._common = CommonWords(self.schema)

    # -- opening and closing ------------------------------------------------------------------------------

    @classmethod
    def open(
        cls, url: str, create: bool = False, embedding_model: str | None = None, lock_wait: float = WAIT_SECONDS
    ) -> PostgresKnowledgeBase:
        """Connect, and create (``create=True``) or upgrade the knowledge base's tables. ``lock_wait``: seconds a
        change waits for another process's change before it is refused."""
        address = parse_server_url(url)
        conn = connect(address)
        kb = cls(address, conn, lock_wait)
        try:
            with kb._sql():
                if not kb._exists():
                    if not create:
                        raise KnowledgeBaseError(
                            f"There is no knowledge base “{kb.name}” on the server at {address.where}; "
                            "`crossroads index FILES --kb URL` creates it."
                        )
                    ensure_vector_extension(conn, address)
                conn.execute(f'SET search_path TO "{kb.schema}", {extension_schema(conn)}')
                migrations.migrate(conn, kb.schema, kb.name)
            if embedding_model:
                kb._bind_model(embedding_model, None, None)
        except BaseException:
            conn.close()
            raise
        return kb

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._conn.close()

    def __enter__(self) -> PostgresKnowledgeBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- what it holds ------------------------------------------------------------------------------------

    @property
    def embedding_model(self) -> str:
        return self._meta("embedding_model") or ""

    @property
    def embedding_model_path(self) -> Path | None:
        """Where the model was on the machine that last indexed: a hint, found again only if it is a folder here."""
        value = self._meta("embedding_model_path")
        return Path(value) if value else None

    @property
    def dim(self) -> int | None:
        value = self._meta("dim")
        return int(value) if value else None

    def documents(self) -> list[DocumentRecord]:
        with self._sql():
            rows = self._conn.execute(f"SELECT {_DOCUMENT_COLUMNS} FROM documents ORDER BY path").fetchall()
        return [DocumentRecord(*row[:-1], list(row[-1] or [])) for row in rows]

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
        wanted = list(dict.fromkeys(int(i) for i in ids))
        if not wanted:
            return []
        with self._sql():
            rows = self._conn.execute(f"{_CHUNK_SELECT} WHERE c.id = ANY(%s)", (wanted,)).fetchall()
        by_id = {row[0]: ChunkRecord(*row) for row in rows}
        return [by_id[i] for i in wanted if i in by_id]

    def document_chunks(self, document_id: int) -> list[ChunkRecord]:
        with self._sql():
            rows = self._conn.execute(f"{_CHUNK_SELECT} WHERE c.document_id = %s ORDER BY c.start", (document_id,))
            return [ChunkRecord(*row) for row in rows]

    # -- search -------------------------------------------------------------------------------------------

    def dense_search(self, query_vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """(chunk id, cosine) of the k nearest chunks, best first (HNSW: approximate, as FAISS is at scale)."""
        dim = self.dim
        if dim is None or k <= 0:
            return []
        if query_vector.shape[-1] != dim:
            raise KnowledgeBaseError(
                f"The question was embedded with {query_vector.shape[-1]} dimensions, but this knowledge "
                f"base holds {dim}; use its embedding model “{self.embedding_model}”."
            )
        literal = vector_literal(np.asarray(query_vector, dtype=np.float32).reshape(-1))
        with self._sql(), self._conn.transaction():
            # the index's candidate list must be at least k long, or it returns fewer than k rows
            ef_search = min(max(EF_SEARCH, k), MAX_EF_SEARCH)
            self._conn.execute("SELECT set_config('hnsw.ef_search', %s, true)", (str(ef_search),))
            rows = self._conn.execute(
                "SELECT id, 1 - (embedding <=> %s::vector) FROM chunks ORDER BY embedding <=> %s::vector LIMIT %s",
                (literal, literal, k),
            ).fetchall()
        return [(int(i), float(score)) for i, score in rows]

    def keyword_search(self, query: str, k: int) -> list[tuple[int, float]]:
        """(chunk id, ts_rank_cd score, higher is better) for chunks sharing any content word with ``query``."""
        terms = query_terms(query)
        if not terms or k <= 0:
            return []
        with self._sql():
            terms = self._common.kept(self._conn, TEXT_SEARCH_CONFIG, terms)
            rows = self._conn.execute(
                f"SELECT c.id, ts_rank_cd(c.tsv, q, {RANK_NORMALIZATION}) AS score "
                f"FROM chunks c, websearch_to_tsquery('{TEXT_SEARCH_CONFIG}', %s) q "
                "WHERE c.tsv @@ q ORDER BY score DESC, c.id LIMIT %s",
                (" or ".join(terms), k),
            ).fetchall()
        return [(int(i), float(score)) for i, score in rows]

    def mentions(self, terms: Iterable[str]) -> set[str]:
        """The terms (words or short phrases) found somewhere: passage text, heading or title, stemmed."""
        found: set[str] = set()
        with self._sql():
            for term in terms:
                if not query_terms(term) and not term.strip():
                    continue
                row = self._conn.execute(
                    f"SELECT EXISTS (SELECT 1 FROM chunks WHERE tsv @@ phraseto_tsquery('{TEXT_SEARCH_CONFIG}', %s))",
                    (term,),
                ).fetchone()
                if row[0]:
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
        """Index files and folders, as ``KnowledgeBase.add_paths``: each file committed in its own transaction."""
        from crossroads.store.indexer import Indexer

        with self._write_lock():
            return Indexer(self, embedder, chunk_tokens, chunk_overlap, cancel, on_event).run(paths)  # type: ignore[arg-type]

    def remove(self, path: Path | str) -> bool:
        with self._write_lock():
            return self._forget(path)

    # -- integrity ----------------------------------------------------------------------------------------

    def check(self) -> list[str]:
        """What is wrong, in plain words: counts out of step, vectors of the wrong size, a missing index."""
        problems: list[str] = []
        dim = self.dim
        with self._sql():
            miscounted = self._count(
                "SELECT count(*) FROM documents d WHERE d.chunks != "
                "(SELECT count(*) FROM chunks c WHERE c.document_id = d.id)"
            )
            if miscounted:
                problems.append(f"{miscounted} documents show a wrong number of passages")
            failed_with_chunks = self._count(
                "SELECT count(*) FROM documents d WHERE d.state = 'failed' "
                "AND EXISTS (SELECT 1 FROM chunks c WHERE c.document_id = d.id)"
            )
            if failed_with_chunks:
                problems.append(f"{failed_with_chunks} failed documents still have passages")
            if dim is not None:
                wrong = self._count("SELECT count(*) FROM chunks WHERE vector_dims(embedding) != %s", (dim,))
                if wrong:
                    problems.append(f"{wrong} passages have vectors of the wrong size")
                if not self._count("SELECT count(*) FROM pg_indexes WHERE schemaname = %s AND indexname = %s",
                                   (self.schema, migrations.VECTOR_INDEX)):
                    problems.append("the vector index is missing")
            elif self._count("SELECT count(*) FROM chunks"):
                problems.append("passages are stored but no embedding dimension is recorded")
        return problems

    def repair(self) -> list[str]:
        """Mend what ``check`` found that can be mended (counts, the vector index); returns what was wrong."""
        with self._write_lock():
            found = self.check()
            if found:
                with self._sql(), self._conn.transaction():
                    self._conn.execute(
                        "UPDATE documents d SET chunks = (SELECT count(*) FROM chunks c WHERE c.document_id = d.id)"
                    )
                    self._conn.execute(
                        "DELETE FROM chunks c USING documents d WHERE c.document_id = d.id AND d.state = 'failed'"
                    )
                    if self.dim is not None:
                        migrations.bind_dimension(self._conn, self.schema, self.dim)
            left = self.check()
        if left:
            raise KnowledgeBaseError(f"The knowledge base “{self.name}” could not be repaired: {'; '.join(left)}.")
        return found

    def save_vectors(self) -> None:
        """Nothing to do: the server holds the vectors, durable at each commit (kept for the indexer's calls)."""

    # -- internals shared with the indexer ----------------------------------------------------------------

    def _bind_model(self, name: str, model_path: Path | None, dim: int | None) -> None:
        """Record the embedding model on first use, and size the vector column; refuse any other model after."""
        with self._sql(), self._conn.transaction():
            self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (migrations.lock_key(self.schema, "migrate"),))
            known = self._read_meta("embedding_model")
            if known and known.casefold() != name.casefold():
                raise KnowledgeBaseError(
                    f"The knowledge base “{self.name}” was built with the embedding model “{known}”, not "
                    f"“{name}”. Use “{known}”, or create a new knowledge base for “{name}”."
                )
            known_dim = self._read_meta("dim")
            if dim is not None and known_dim is not None and dim != int(known_dim):
                raise KnowledgeBaseError(
                    f"The embedding model “{name}” makes vectors of {dim} numbers, but the knowledge base "
                    f"“{self.name}” holds vectors of {known_dim}. Create a new knowledge base for this model."
                )
            if not known:
                self._write_meta("embedding_model", name)
            if model_path is not None:
                self._write_meta("embedding_model_path", str(model_path))
            if dim is not None and known_dim is None:
                self._write_meta("dim", str(dim))
                migrations.bind_dimension(self._conn, self.schema, dim)

    def _existing(self, key: str) -> tuple[str, str, int, int, int] | None:
        with self._sql():
            row = self._conn.execute(
                "SELECT sha256, state, chunk_tokens, chunk_overlap, chunker_version FROM documents WHERE path = %s",
                (key,),
            ).fetchone()
        return None if row is None else (row[0], row[1], row[2], row[3], row[4])

    def _paths_under(self, folder: Path) -> list[str]:
        prefix = path_key(folder).rstrip("/\\")
        with self._sql():
            rows = self._conn.execute("SELECT path FROM documents").fetchall()
        return [p for (p,) in rows if Path(p).is_relative_to(prefix)]

    def _forget(self, path: Path | str) -> bool:
        """Delete one document and (by cascade) its passages, in one transaction."""
        with self._sql(), self._conn.transaction():
            row = self._conn.execute(
                "DELETE FROM documents WHERE path = ANY(%s) RETURNING id", ([str(path), path_key(Path(path))],)
            ).fetchone()
            faults.reach("remove")
        return row is not None

    def _store_document(
        self, key: str, facts: FileFacts, chunks: Sequence[Chunk], vectors: np.ndarray | None, error: str | None
    ) -> None:
        """Replace whatever was stored for ``key`` with this outcome, in one transaction."""
        import json

        values = (
            facts.title, facts.kind, facts.pages, len(chunks), facts.sha256, facts.size, facts.mtime, time.time(),
            "failed" if error else "indexed", error, json.dumps(facts.warnings), facts.chunk_tokens,
            facts.chunk_overlap, facts.chunker_version,
        )
        marks = ", ".join(["%s"] * (len(values) + 1))
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in _FACT_COLUMNS)
        with self._sql(), self._conn.transaction():
            document_id = self._conn.execute(
                f"INSERT INTO documents (path, {', '.join(_FACT_COLUMNS)}) VALUES ({marks}) "
                f"ON CONFLICT (path) DO UPDATE SET {updates} RETURNING id",
                (key, *values),
            ).fetchone()[0]
            self._conn.execute("DELETE FROM chunks WHERE document_id = %s", (document_id,))
            if chunks:
                assert vectors is not None, "indexed chunks come with their vectors"
                with self._conn.cursor() as cur, cur.copy(
                    'COPY chunks (document_id, ordinal, page, heading, start, "end", tokens, text, title, embedding) '
                    "FROM STDIN"
                ) as copy:
                    for chunk, vector in zip(chunks, vectors, strict=True):
                        copy.write_row((document_id, chunk.ordinal, chunk.page, chunk.heading, chunk.start,
                                        chunk.end, chunk.tokens, chunk.text, facts.title, vector_literal(vector)))
            faults.reach("commit")

    # -- helpers ------------------------------------------------------------------------------------------

    def _exists(self) -> bool:
        row = self._conn.execute(
            "SELECT to_regclass(%s) IS NOT NULL", (f'"{self.schema}".migrations',)
        ).fetchone()
        return bool(row[0])

    def _meta(self, key: str) -> str | None:
        if key in self._fixed:
            return self._fixed[key]
        with self._sql():
            value = self._read_meta(key)
        if value and key in ("embedding_model", "dim"):
            self._fixed[key] = value
        return value

    def _read_meta(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = %s", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _write_meta(self, key: str, value: str) -> None:
        self._conn.execute(
            "INSERT INTO meta (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            (key, value),
        )

    def _count(self, query: str, params: tuple = ()) -> int:
        return int(self._conn.execute(query, params).fetchone()[0])

    @contextlib.contextmanager
    def _write_lock(self) -> Iterator[None]:
        """Hold the knowledge base's advisory lock for one change, or say another process is changing it.
        Re-entrant within this session (PostgreSQL counts a session's acquisitions), like the file lock."""
        deadline = time.monotonic() + self._lock_wait
        while True:
            with self._sql():
                got = self._conn.execute("SELECT pg_try_advisory_lock(%s)", (self._write_key,)).fetchone()[0]
            if got:
                break
            if time.monotonic() >= deadline:
                raise busy_named(self.name)
            time.sleep(0.1)
        try:
            yield
        finally:
            with contextlib.suppress(KnowledgeBaseError), self._sql():
                self._conn.execute("SELECT pg_advisory_unlock(%s)", (self._write_key,))

    @contextlib.contextmanager
    def _sql(self) -> Iterator[None]:
        """Hold the lock, and turn a lost or refused connection into a message a user can act on."""
        psycopg = psycopg_module()
        with self._lock:
            if self._closed:
                raise KnowledgeBaseError(f"The knowledge base “{self.name}” is closed.")
            try:
                yield
            except psycopg.OperationalError as exc:
                raise unreachable(self.address, exc) from None
            except psycopg.errors.InsufficientPrivilege as exc:
                raise KnowledgeBaseError(
                    f"The server at {self.address.where} refused a change to the knowledge base “{self.name}”: "
                    f"{self.address.scrub(first_line(exc))}."
                ) from None


def vector_literal(vector: np.ndarray) -> str:
    """pgvector's text form, '[0.1,0.2,...]'; float32 printed exactly (9 significant digits)."""
    return "[" + ",".join(f"{x:.9g}" for x in np.asarray(vector, dtype=np.float32).tolist()) + "]"
