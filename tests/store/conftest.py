"""Real knowledge bases in tmp_path, filled from real files with the real embedder."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from crossroads.store import KnowledgeBase

TOPICS = {
    "bees.md": "# Bees\n\nHoney bees live in colonies with one queen. Worker bees collect nectar and pollen "
    "from flowers.\n\nA hive can hold fifty thousand bees in summer.",
    "volcano.txt": "Volcanoes erupt when magma rises through the crust. Mount Etna in Sicily is one of the "
    "most active volcanoes in the world.",
    "tax.md": "# Invoices\n\nEvery invoice must show the VAT number of the supplier. Invoices are kept for "
    "ten years.\n\n## Late payment\n\nLate payment adds interest of eight percent per year.",
}


@pytest.fixture(scope="session")
def topics() -> dict[str, str]:
    """File name -> text of three small documents on unrelated topics."""
    return dict(TOPICS)


@pytest.fixture
def docs(tmp_path: Path, topics: dict[str, str]) -> Path:
    """A folder with the three topic documents."""
    folder = tmp_path / "docs"
    folder.mkdir()
    for name, text in topics.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def open_kb(tmp_path: Path) -> Iterator[Callable[..., KnowledgeBase]]:
    """Opens (creating) knowledge bases under tmp_path; closes them all at the end."""
    opened: list[KnowledgeBase] = []

    def open_(name: str = "kb", **options: object) -> KnowledgeBase:
        options.setdefault("create", True)
        kb = KnowledgeBase.open(tmp_path / name, **options)  # type: ignore[arg-type]
        opened.append(kb)
        return kb

    yield open_
    for kb in opened:
        kb.close()


@pytest.fixture
def kb(open_kb: Callable[..., KnowledgeBase]) -> KnowledgeBase:
    return open_kb()


def check_consistent(kb: KnowledgeBase) -> None:
    """Documents, chunks, keyword rows and FAISS vectors all describe the same passages."""
    conn = kb._conn
    chunk_ids = {r[0] for r in conn.execute("SELECT id FROM chunks")}
    fts_ids = {r[0] for r in conn.execute("SELECT rowid FROM chunks_fts")}
    per_document = dict(conn.execute("SELECT document_id, count(*) FROM chunks GROUP BY document_id").fetchall())
    assert fts_ids == chunk_ids
    for document in kb.documents():
        assert per_document.get(document.id, 0) == document.chunks
        assert (document.state == "failed") == (document.error is not None)
    assert sum(per_document.values()) == len(chunk_ids) == kb.chunk_count()
    orphans = conn.execute("SELECT count(*) FROM chunks WHERE document_id NOT IN (SELECT id FROM documents)")
    assert orphans.fetchone()[0] == 0
    kb.dense_search(np.zeros(kb.dim or 1, dtype=np.float32), 1)  # brings FAISS up to date
    index = kb._mirror.index
    if index is None:
        assert not chunk_ids
    else:
        assert kb._mirror.generation == int(kb._conn.execute(
            "SELECT value FROM meta WHERE key = 'vectors_generation'").fetchone()[0])
        faiss_ids = index.ids().tolist()
        assert len(faiss_ids) == len(set(faiss_ids)) and set(faiss_ids) == chunk_ids


@pytest.fixture
def consistent() -> Callable[[KnowledgeBase], None]:
    return check_consistent
