"""The question set: loaded from a JSONL/CSV file (read on a worker) or typed in, and saved back."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QApplication,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from crossroads.cancel import CancelToken
from crossroads.errors import CrossroadsError
from crossroads.evaluation.evaluate import QAItem, load_questions
from crossroads.evaluation.export import write_questions
from crossroads.ui.evaluate.question_table import QuestionSetModel
from crossroads.ui.worker import Emit, Worker

FILE_FILTER = "Question sets (*.jsonl *.csv);;JSON Lines (*.jsonl);;CSV (*.csv);;All files (*)"
EMPTY_HINT = "No questions yet: Load… a JSONL or CSV file, or Add question."


def _load_job(path: Path, cancel: CancelToken, emit: Emit) -> list[QAItem]:
    return load_questions(path)


class QuestionEditor(QWidget):
    problem = Signal(str)  # a message for the user: a file that could not be read or saved
    loaded = Signal(str)  # the name of the file a set was loaded from

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = QuestionSetModel(self)
        self._source = ""  # the file the set came from, for the count line
        self._pending = ""
        self._folder = Path.home()
        self._loader: Worker | None = None
        self._running = False

        self.load_button = QPushButton("Load…")
        self.load_button.setToolTip("Open a question set: JSON Lines ({\"question\": …, \"answers\": [ … ]} per "
                                    "line) or CSV with a 'question' column and an optional 'answers' column.")
        self.save_button = QPushButton("Save…")
        self.save_button.setToolTip("Save these questions as a JSONL or CSV file to run them again later.")
        self.add_button = QPushButton("Add question")
        self.add_button.setToolTip("Add an empty row and type a question (and, if you know it, the expected answer).")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the selected questions.")
        self.count = QLabel(EMPTY_HINT)
        self.count.setWordWrap(True)

        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.view.setWordWrap(False)
        self.view.verticalHeader().setDefaultSectionSize(self.view.fontMetrics().height() + 10)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(1, 150)

        buttons = QGridLayout()
        for i, button in enumerate((self.load_button, self.save_button, self.add_button, self.remove_button)):
            buttons.addWidget(button, i // 2, i % 2)
        self.side = QVBoxLayout()  # beside the table; the panel adds the run controls under these
        self.side.addLayout(buttons)
        self.side.addWidget(self.count)
        self.side.setContentsMargins(0, 0, 0, 0)
        self.side_widget = QWidget()
        self.side_widget.setLayout(self.side)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.side_widget)

        self.load_button.clicked.connect(self._choose_file)
        self.save_button.clicked.connect(self._choose_save_file)
        self.add_button.clicked.connect(self.add_question)
        self.remove_button.clicked.connect(self.remove_selected)
        self.model.changed.connect(self._update_count)
        self.view.selectionModel().selectionChanged.connect(self._update_buttons)
        self._update_count()

    # -- the set ------------------------------------------------------------------------------------------

    def items(self) -> list[QAItem]:
        """The questions as they stand, a cell still being edited included."""
        editor = QApplication.focusWidget()
        editing = self.view.state() == QAbstractItemView.State.EditingState
        if editing and editor is not None and self.view.isAncestorOf(editor):
            self.view.commitData(editor)
            self.view.closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)
        return self.model.items()

    def load_file(self, path: Path) -> None:
        """Read ``path`` on a worker; the current set stays until the new one is read, and if it cannot be."""
        self._folder = Path(path).parent
        worker = Worker(partial(_load_job, Path(path)), "load-questions")
        worker.finished.connect(self._on_loaded)
        worker.failed.connect(self._on_load_failed)
        self._loader = worker
        self._pending = Path(path).name
        self._update_buttons()
        worker.start()

    @property
    def loading(self) -> bool:
        return self._loader is not None

    def save_file(self, path: Path) -> bool:
        try:
            write_questions(self.items(), Path(path))
        except CrossroadsError as exc:
            self.problem.emit(exc.message)
            return False
        self._source = Path(path).name
        self._update_count()
        return True

    def add_question(self) -> None:
        index = self.model.add_row()
        self.view.setCurrentIndex(index)
        self.view.edit(index)

    def remove_selected(self) -> None:
        self.model.remove_rows([i.row() for i in self.view.selectionModel().selectedRows()])

    def set_running(self, running: bool) -> None:
        if running:
            self.items()  # closes a cell still open for editing
        self._running = running
        self.model.set_editable(not running)
        self._update_buttons()

    # -- slots --------------------------------------------------------------------------------------------

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load a question set", str(self._folder), FILE_FILTER)
        if path:
            self.load_file(Path(path))

    def _choose_save_file(self) -> None:
        suggested = self._folder / (Path(self._source).stem + ".jsonl" if self._source else "questions.jsonl")
        path, _ = QFileDialog.getSaveFileName(self, "Save the question set", str(suggested), FILE_FILTER)
        if path:
            target = Path(path)
            self.save_file(target if target.suffix else target.with_suffix(".jsonl"))

    def _on_loaded(self, items: list[QAItem]) -> None:
        if self.sender() is not self._loader:
            return
        self._loader = None
        self._source = self._pending
        self.model.set_items(items)
        self._update_buttons()
        self.loaded.emit(self._source)

    def _on_load_failed(self, message: str) -> None:
        if self.sender() is not self._loader:
            return
        self._loader = None
        self._update_buttons()
        self.problem.emit(message)

    def _update_count(self) -> None:
        n = len(self.model.items())
        if n == 0:
            self.count.setText(EMPTY_HINT)
        else:
            self.count.setText(f"{n} question{'s' if n != 1 else ''}" + (f" · {self._source}" if self._source else ""))
        self._update_buttons()

    def _update_buttons(self) -> None:
        idle = not self._running
        self.load_button.setEnabled(idle and self._loader is None)
        self.add_button.setEnabled(idle)
        self.save_button.setEnabled(self.model.rowCount() > 0)
        self.remove_button.setEnabled(idle and self.view.selectionModel().hasSelection())
