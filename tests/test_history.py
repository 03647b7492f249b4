"""Past comparisons per knowledge base: kept in order, reopened exactly, bounded."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossroads.errors import KnowledgeBaseError
from crossroads.history import History


def comparison(question: str, created: float) -> dict:
    return {"question": question, "model": {"name": "Tiny", "path": "/m.gguf"}, "created_at": created,
            "answers": [{"mode": "plain", "text": f"answer to {question}"}]}


def test_comparisons_come_back_newest_first_and_exactly_as_stored(tmp_path: Path) -> None:
    history = History(tmp_path)
    first = history.add(comparison("one?", 100.0))
    history.add(comparison("two?", 200.0))
    assert [e.question for e in history.entries()] == ["two?", "one?"]
    assert history.get(first) == comparison("one?", 100.0)
    history.close()
    reopened = History(tmp_path)
    assert [e.created_at for e in reopened.entries()] == [200.0, 100.0]


def test_only_the_newest_comparisons_are_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import crossroads.history as module

    monkeypatch.setattr(module, "KEEP", 3)
    history = History(tmp_path)
    for n in range(5):
        history.add(comparison(f"q{n}?", float(n)))
    assert [e.question for e in history.entries()] == ["q4?", "q3?", "q2?"]


def test_a_missing_entry_is_explained(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeBaseError, match="no longer in the history"):
        History(tmp_path).get(42)


def test_an_unwritable_folder_is_explained(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeBaseError, match="history"):
        History(tmp_path / "does-not-exist")
