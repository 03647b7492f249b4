"""Old formats: a schema-1 knowledge base is upgraded in place; documents chunked by an older chunker are read
again (and the user is told why indexing takes time although the files did not change)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from crossroads.cli import main
from crossroads.ingest import load_document
from crossroads.rag import chunking
from crossroads.rag.chunking import chunk_document
from crossroads.rag.embedding import Embedder
from crossroads.store import KnowledgeBase, schema
from crossroads.store.indexer import _sha256
from crossroads.store.knowledge_base import DB_NAME, path_key

Check = Callable[[KnowledgeBase], None]

# The tables exactly as Crossroads created them at schema version 1.
SCHEMA_1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents (
    id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, title TEXT NOT NULL, kind TEXT NOT NULL, pages INTEGER,
    chunks INTEGER NOT NULL DEFAULT 0, sha256 TEXT NOT NULL, size INTEGER NOT NULL, mtime REAL NOT NULL,
    added_at REAL NOT NULL, state TEXT NOT NULL CHECK (state IN ('indexed', 'failed')), error TEXT,
    warnings TEXT NOT NULL DEFAULT '[]', chunk_tokens INTEGER NOT NULL DEFAULT 0,
    chunk_overlap INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE chunks (
    id INTEGER PRIMARY KEY, document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL, page INTEGER, heading TEXT, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
    tokens INTEGER NOT NULL, text TEXT NOT NULL, vector BLOB NOT NULL
);
CREATE INDEX chunks_by_document ON chunks(document_id, ordinal);
CREATE VIRTUAL TABLE chunks_fts USING fts5(text, heading, title, tokenize='porter unicode61');
INSERT INTO meta VALUES ('schema_version', '1');
INSERT INTO meta VALUES ('vectors_generation', '1');
"""


def build_schema_1(folder: Path, files: list[Path], embedder: Embedder) -> None:
    """A knowledge base as version 1 wrote it: its SQL, its rows, no FAISS file yet."""
    folder.mkdir()
    conn = sqlite3.connect(folder / DB_NAME)
    conn.executescript(SCHEMA_1)
    conn.executemany("INSERT INTO meta VALUES (?, ?)", [("embedding_model", embedder.name),
                                                          ("dim", str(embedder.dim))])
    for file in files:
        doc = load_document(file)
        chunks = chunk_document(doc, embedder.count_tokens, 200, 40)
        vectors = embedder.encode([c.text for c in chunks])
        cursor = conn.execute(
            "INSERT INTO documents (path, title, kind, pages, chunks, sha256, size, mtime, added_at, state, "
            "warnings, chunk_tokens, chunk_overlap) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, 'indexed', ?, 200, 40)",
            (path_key(file), doc.title or file.name, doc.kind, doc.page_count, len(chunks), _sha256(file),
             file.stat().st_size, json.dumps([])),
        )
        for chunk, vector in zip(chunks, vectors, strict=True):
            row = conn.execute(
                'INSERT INTO chunks (document_id, ordinal, page, heading, start, "end", tokens, text, vector) '
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (cursor.lastrowid, chunk.ordinal, chunk.page, chunk.heading, chunk.start, chunk.end, chunk.tokens,
                 chunk.text, vector.tobytes()),
            )
            conn.execute("INSERT INTO chunks_fts (rowid, text, heading, title) VALUES (?, ?, ?, ?)",
                         (row.lastrowid, chunk.text, chunk.heading or "", doc.title or file.name))
    conn.commit()
    conn.close()


def test_a_schema_1_knowledge_base_is_upgraded_and_its_documents_read_again_once(
    tmp_path: Path, docs: Path, embedder: Embedder, consistent: Check
) -> None:
    folder = tmp_path / "old-kb"
    build_schema_1(folder, sorted(docs.iterdir()), embedder)
    with KnowledgeBase.open(folder) as kb:
        assert schema.get_meta(kb._conn, "schema_version") == str(schema.SCHEMA_VERSION) == "2"
        assert {v for (v,) in kb._conn.execute("SELECT chunker_version FROM documents")} == {0}
        assert kb.check() == []
        consistent(kb)
        (top, _), *_ = kb.dense_search(embedder.encode_query("how many bees live in a hive"), 1)
        assert kb.chunk(top).document_path.endswith("bees.md")  # searchable before anything is read again

        summary = kb.add_paths([docs], embedder)
        assert (summary.indexed, summary.reread, summary.skipped) == (3, 3, 0)
        assert kb.add_paths([docs], embedder).skipped == 3
        consistent(kb)


def test_documents_chunked_by_another_chunker_version_are_read_again_with_a_message(
    tmp_path: Path, docs: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    kb_dir = str(tmp_path / "kb")
    assert main(["index", str(docs), "--kb", kb_dir]) == 0
    monkeypatch.setattr(chunking, "CHUNKER_VERSION", chunking.CHUNKER_VERSION + 1)
    (docs / "new.txt").write_text("A new file is indexed as usual, not counted as read again.", encoding="utf-8")
    capsys.readouterr()
    assert main(["index", str(docs), "--kb", kb_dir]) == 0
    err = capsys.readouterr().err
    assert "3 documents re-read because Crossroads reads them better now" in err
    assert err.count("read again: Crossroads reads it better now") == 3
    assert main(["index", str(docs), "--kb", kb_dir]) == 0
    assert "4 unchanged" in capsys.readouterr().err
