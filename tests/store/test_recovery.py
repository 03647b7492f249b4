"""Damage and old versions: the FAISS file is rebuilt from SQLite; a damaged or foreign SQLite file is refused
with a plain message and left exactly as it was."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from crossroads.errors import KnowledgeBaseError
from crossroads.rag.embedding import Embedder
from crossroads.store import KnowledgeBase, schema
from crossroads.store.knowledge_base import DB_NAME, VECTORS_NAME

Check = Callable[[KnowledgeBase], None]
OpenKb = Callable[..., KnowledgeBase]


@pytest.fixture
def built(open_kb: OpenKb, docs: Path, embedder: Embedder, tmp_path: Path) -> Path:
    """A closed knowledge base holding the three sample documents."""
    kb = open_kb()
    kb.add_paths([docs], embedder)
    kb.close()
    return tmp_path / "kb"


def top_document(kb: KnowledgeBase, embedder: Embedder, question: str) -> str:
    (chunk_id, _), *_ = kb.dense_search(embedder.encode_query(question), 1)
    return Path(kb.chunk(chunk_id).document_path).name


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.unlink(),
        lambda p: p.write_bytes(p.read_bytes()[:100]),
        lambda p: p.write_bytes(b""),
        lambda p: p.write_bytes(os.urandom(5000)),
    ],
    ids=["deleted", "truncated", "emptied", "random-bytes"],
)
def test_a_missing_or_damaged_faiss_file_is_rebuilt_from_sqlite_on_open(
    built: Path, open_kb: OpenKb, embedder: Embedder, consistent: Check, damage
) -> None:
    damage(built / VECTORS_NAME)
    kb = open_kb(create=False)
    assert top_document(kb, embedder, "how many bees live in a hive") == "bees.md"
    consistent(kb)
    assert (built / VECTORS_NAME).stat().st_size > 3 * 384 * 4  # written again, whole


def test_a_stale_faiss_file_from_before_the_last_change_is_rebuilt(
    built: Path, open_kb: OpenKb, embedder: Embedder, consistent: Check, tmp_path: Path
) -> None:
    saved = tmp_path / "old.faiss"
    shutil.copy(built / VECTORS_NAME, saved)
    extra = tmp_path / "moon.txt"
    extra.write_text("The Moon orbits the Earth every twenty-seven days.", encoding="utf-8")
    kb = open_kb(create=False)
    kb.add_paths([extra], embedder)
    kb.close()
    shutil.copy(saved, built / VECTORS_NAME)  # as if the process died before writing FAISS
    kb = open_kb(create=False)
    assert top_document(kb, embedder, "lunar orbit period") == "moon.txt"
    consistent(kb)


def test_a_second_writer_is_seen_by_an_open_knowledge_base(
    built: Path, open_kb: OpenKb, embedder: Embedder, consistent: Check, tmp_path: Path
) -> None:
    reader = open_kb(create=False)
    writer = open_kb(create=False)
    extra = tmp_path / "moon.txt"
    extra.write_text("The Moon orbits the Earth every twenty-seven days.", encoding="utf-8")
    writer.add_paths([extra], embedder)
    assert top_document(reader, embedder, "lunar orbit period") == "moon.txt"
    tax = Path(next(d.path for d in reader.documents() if d.path.endswith("tax.md")))
    reader.add_paths([tax], embedder, chunk_tokens=20, chunk_overlap=0)  # and now the reader writes too
    consistent(reader)
    consistent(writer)


@pytest.mark.parametrize(
    "content", [lambda: os.urandom(8192), lambda: b"SQLite format 3\x00" + os.urandom(8176)], ids=["random", "header"]
)
def test_a_damaged_database_is_refused_in_plain_words_and_left_untouched(tmp_path: Path, content) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    data = content()
    (folder / DB_NAME).write_bytes(data)
    with pytest.raises(KnowledgeBaseError) as error:
        KnowledgeBase.open(folder, create=True)
    assert "damaged" in error.value.message or "not a Crossroads" in error.value.message
    assert (folder / DB_NAME).read_bytes() == data
    assert sorted(p.name for p in folder.iterdir()) == [DB_NAME]


def test_another_programs_database_is_not_a_knowledge_base(tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    with sqlite3.connect(folder / DB_NAME) as conn:
        conn.execute("CREATE TABLE contacts (name TEXT)")
    conn.close()
    with pytest.raises(KnowledgeBaseError, match="not a Crossroads knowledge base"):
        KnowledgeBase.open(folder)


def set_version(built: Path, version: int) -> bytes:
    with sqlite3.connect(built / DB_NAME) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),))
    conn.close()
    return (built / DB_NAME).read_bytes()


def test_a_knowledge_base_from_a_newer_version_is_refused_and_untouched(built: Path) -> None:
    data = set_version(built, schema.SCHEMA_VERSION + 1)
    with pytest.raises(KnowledgeBaseError, match="newer version"):
        KnowledgeBase.open(built)
    assert (built / DB_NAME).read_bytes() == data


def test_a_knowledge_base_from_an_older_version_without_a_migration_is_refused(built: Path) -> None:
    data = set_version(built, 0)
    with pytest.raises(KnowledgeBaseError, match="older version"):
        KnowledgeBase.open(built)
    assert (built / DB_NAME).read_bytes() == data


def test_a_knowledge_base_from_an_older_version_is_migrated_when_a_migration_exists(
    built: Path, open_kb: OpenKb, embedder: Embedder, monkeypatch: pytest.MonkeyPatch, consistent: Check
) -> None:
    # Stand in for the next schema version: version N+1 adds a column, and a migration from N exists.
    current = schema.SCHEMA_VERSION
    monkeypatch.setattr(schema, "SCHEMA_VERSION", current + 1)
    monkeypatch.setitem(
        schema.MIGRATIONS, current, lambda conn: conn.execute("ALTER TABLE documents ADD COLUMN language TEXT")
    )
    kb = open_kb(create=False)
    assert schema.get_meta(kb._conn, "schema_version") == str(current + 1)
    assert "language" in {row[1] for row in kb._conn.execute("PRAGMA table_info(documents)")}
    assert len(kb.documents()) == 3
    consistent(kb)
