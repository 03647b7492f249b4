"""A Decide panel on screen (offscreen), and recorders for the dialogs a person would answer.

Dialogs are the one thing replaced: a modal file or message box would wait for a person. The recorder stands in for
the person, returns what they would choose, and keeps what the app showed them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from crossroads.ui.decide import DecidePanel
from crossroads.ui.worker import stop_all

SIZE = (1280, 800)


@pytest.fixture
def panel(qtbot: Any) -> Iterator[DecidePanel]:
    """The panel inside a fixed-size window, as in the Decide tab (a child, so its layout never resizes the
    window; the offscreen platform would warn about every window size hint)."""
    host = QWidget()
    host.resize(*SIZE)
    widget = DecidePanel(host)
    widget.setGeometry(0, 0, *SIZE)
    host.show()
    qtbot.waitExposed(host)
    yield widget
    assert stop_all(10.0)
    # Destroyed now, with no Worker running, rather than in some later test's event loop while one runs: PySide6
    # releases the interpreter lock half-way through destroying a wrapped widget (see ui/decide/entries.py).
    host.close()
    host.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@dataclass
class Dialogs:
    """What the person answers, and every message box the app showed them."""

    open_path: Path | None = None
    save_path: Path | None = None
    save_filter: str = ""
    question_answer: QMessageBox.StandardButton = QMessageBox.StandardButton.Cancel
    messages: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, title, text)
    questions: list[str] = field(default_factory=list)

    def warnings(self) -> list[str]:
        return [text for kind, _, text in self.messages if kind in ("warning", "critical")]


@pytest.fixture
def dialogs(monkeypatch: pytest.MonkeyPatch) -> Dialogs:
    answers = Dialogs()

    def get_open(*_: Any, **__: Any) -> tuple[str, str]:
        return (str(answers.open_path) if answers.open_path else "", "")

    def get_save(*_: Any, **__: Any) -> tuple[str, str]:
        return (str(answers.save_path) if answers.save_path else "", answers.save_filter)

    def message(kind: str) -> Any:
        def show(_parent: Any, title: str, text: str, *_: Any, **__: Any) -> QMessageBox.StandardButton:
            answers.messages.append((kind, title, text))
            return QMessageBox.StandardButton.Ok

        return show

    def question(_parent: Any, _title: str, text: str, *_: Any, **__: Any) -> QMessageBox.StandardButton:
        answers.questions.append(text)
        return answers.question_answer

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(get_open))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(get_save))
    for kind in ("warning", "critical", "information"):
        monkeypatch.setattr(QMessageBox, kind, staticmethod(message(kind)))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return answers
