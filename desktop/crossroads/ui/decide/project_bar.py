"""The project bar: the client or project name, New / Open… / Save / Save as…, and which file is open.

It only asks; the panel decides (and prompts before unsaved answers would be lost).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QSizePolicy, QWidget

from crossroads.ui.decide import text


class ProjectBar(QWidget):
    new_requested = Signal()
    open_requested = Signal()
    save_requested = Signal()
    save_as_requested = Signal()
    project_edited = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("projectBar")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(8)
        caption = QLabel("&Project:")
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("projectName")
        self.name_edit.setPlaceholderText("e.g. Support assistant for ACME")
        self.name_edit.setToolTip("The client or project: shown on the exported report, saved with the answers")
        self.name_edit.setMinimumWidth(120)
        self.name_edit.setMaxLength(200)
        caption.setBuddy(self.name_edit)
        row.addWidget(caption)
        row.addWidget(self.name_edit, 1)
        self.buttons: dict[str, QPushButton] = {}
        specs = (
            ("new", "Ne&w", "Start a new set of answers (asks first if the current ones are not saved)"),
            ("open", "&Open…", "Open an answers file prepared earlier or by `crossroads decide --template`"),
            ("save", "&Save", "Save the answers to their file"),
            ("save_as", "Save &as…", "Save the answers to a new file, e.g. one per client"),
        )
        signals = (self.new_requested, self.open_requested, self.save_requested, self.save_as_requested)
        for (key, label, tip), signal in zip(specs, signals, strict=True):
            button = QPushButton(label)
            button.setObjectName(f"{key}Button")
            button.setToolTip(tip)
            button.setAutoDefault(False)
            button.clicked.connect(signal)
            row.addWidget(button)
            self.buttons[key] = button
        row.addSpacing(12)
        self.file_label = text.label(wrap=False, muted=True, object_name="projectFile")
        self.file_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.file_label.setMinimumWidth(40)
        row.addWidget(self.file_label, 1)
        self.name_edit.textEdited.connect(self.project_edited)

    def show_project(self, name: str) -> None:
        if self.name_edit.text() != name:
            self.name_edit.setText(name)
            self.name_edit.setCursorPosition(0)  # show the start of a long name, not its end

    def show_file(self, path: Path | None, modified: bool, status: str = "") -> None:
        where = path.name if path else "Not saved yet"
        line = where + (" — unsaved changes" if modified and path else "")
        self.file_label.setText(status or line)
        self.file_label.setToolTip(str(path) if path else "The answers have not been saved to a file yet")
