"""A dialog that asks a server a question on a worker (Test connection, List knowledge bases) and shows the answer,
or why there is none, beside its button: a server that does not answer must never freeze the window."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel, QWidget

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
