"""A dialog that asks a server a question on a worker (Test connection, List knowledge bases) and shows the answer,
or why there is none, beside its button: a server that does not answer must never freeze the window."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from crossroads.ui import theme
from crossroads.ui.worker import Job, Worker


class ProbeDialog(QDialog):
    """Subclasses build their fields around ``self.result`` and call ``_probe(job, …)`` from their button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._prober: Worker | None = None
        self._on_answer: Callable[[Any], None] | None = None
        self.result = QLabel("")
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def _lay_out(self, form: QFormLayout, probe_button: QPushButton, note: str, ok_text: str) -> None:
        """The fields, the probe button with its answer beside it, a note, and OK (named ``ok_text``) / Cancel."""
        probe_row = QHBoxLayout()
        probe_row.addWidget(probe_button)
        probe_row.addWidget(self.result, 1)
        label = QLabel(note)
        label.setWordWrap(True)
        label.setObjectName("muted")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(probe_row)
        layout.addWidget(label)
        layout.addWidget(self.buttons)

    @property
    def probing(self) -> bool:
        """Whether the server is being asked right now."""
        return self._prober is not None

    def _probe(self, job: Job, name: str, waiting: str, on_answer: Callable[[Any], None]) -> None:
        """Run ``job`` on a worker; ``on_answer`` gets its result, a failure is said in red."""
        if self._prober is not None:
            return
        self._say(waiting)
        worker = Worker(job, name)
        worker.finished.connect(on_answer)
        worker.failed.connect(self._on_probe_failed)
        worker.ended.connect(self._on_probe_ended)
        self._prober, self._on_answer = worker, on_answer
        self._sync()
        worker.start()

    def _say(self, text: str, bad: bool = False) -> None:
        self.result.setText(text)
        self.result.setStyleSheet(f"color: {theme.css(theme.colors().bad)};" if bad else "")

    def _on_probe_failed(self, message: str) -> None:
        self._say(message, bad=True)

    def _on_probe_ended(self) -> None:
        self._prober = self._on_answer = None
        self._sync()

    def _sync(self) -> None:
        """Enable the buttons for the fields' state; called again when a probe starts and ends."""

    def done(self, result: int) -> None:
        """Closing while the server is asked: its answer would reach a closed dialog; stop listening to it."""
        prober, on_answer = self._prober, self._on_answer
        self._prober = self._on_answer = None
        if prober is not None:
            if on_answer is not None:
                prober.finished.disconnect(on_answer)
            prober.failed.disconnect(self._on_probe_failed)
            prober.ended.disconnect(self._on_probe_ended)
            prober.cancel()
        super().done(result)


def name_choice(text: str, placeholder: str, tip: str) -> QComboBox:
    """An editable list for a name the server may list (a model, a knowledge base): typed, or picked once listed."""
    box = QComboBox()
    box.setEditable(True)
    box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    box.setCurrentText(text)
    line = box.lineEdit()
    if line is not None:
        line.setPlaceholderText(placeholder)
    box.setToolTip(tip)
    return box
