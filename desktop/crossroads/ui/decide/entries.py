"""Lists of lines that change with every answer, drawn by widgets that are reused rather than rebuilt.

Nothing is deleted while the result page updates: destroying a Qt object that has a Python wrapper releases the
interpreter lock half-way (PySide6 6.12), and a Worker thread collecting garbage at that moment crashes the app.
Reuse is also simply cheaper: a recommendation updates on every click.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from crossroads.ui.decide import text


@dataclass(frozen=True)
class Entry:
    """One line: a bullet (with muted detail lines and a score badge) or a plain, muted or bold paragraph."""

    text: str
    details: tuple[tuple[str, str], ...] = ()  # (text, tooltip)
    badge: str = ""
    style: str = "bullet"  # "bullet" | "plain" | "muted" | "strong"


class EntryWidget(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(8)
        self._mark = text.label("•", wrap=False)
        self._mark.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        row.addWidget(self._mark, 0, Qt.AlignmentFlag.AlignTop)
        self._column = QVBoxLayout()
        self._column.setSpacing(2)
        self.line = text.label(selectable=True)
        self._column.addWidget(self.line)
        self._details: list[text.Label] = []
        row.addLayout(self._column, 1)
        self._badge = text.label(bold=True, wrap=False, object_name="delta")
        row.addWidget(self._badge, 0, Qt.AlignmentFlag.AlignTop)

    def show_entry(self, entry: Entry) -> None:
        bullet = entry.style == "bullet"
        self._mark.setVisible(bullet)
        self.line.setText(entry.text)
        self.line.set_style(bold=entry.style == "strong")
        role = QPalette.ColorRole.PlaceholderText if entry.style == "muted" else QPalette.ColorRole.WindowText
        self.line.setForegroundRole(role)
        while len(self._details) < len(entry.details):
            note = text.label(size=text.NOTE, muted=True, selectable=True)
            self._column.addWidget(note)
            self._details.append(note)
        for index, note in enumerate(self._details):
            if index < len(entry.details):
                note.setText(entry.details[index][0])
                note.setToolTip(entry.details[index][1])
            note.setVisible(index < len(entry.details))
        self._badge.setText(entry.badge)
        self._badge.setVisible(bool(entry.badge))


class EntryList(QWidget):
    """A column of entries; ``set_entries`` shows new ones in the widgets already there, adding only if needed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(8)
        self._rows: list[EntryWidget] = []

    def set_entries(self, entries: Sequence[Entry]) -> None:
        while len(self._rows) < len(entries):
            row = EntryWidget()
            self._layout.addWidget(row)
            self._rows.append(row)
        for index, row in enumerate(self._rows):
            if index < len(entries):
                row.show_entry(entries[index])
            row.setVisible(index < len(entries))
        self.setVisible(bool(entries))

    def texts(self) -> list[str]:
        return [row.line.text() for row in self._rows if not row.isHidden()]
