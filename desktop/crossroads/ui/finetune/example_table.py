"""The training data for review: include, question, answer, where it came from; cells editable, rows deletable."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from crossroads.finetune.dataset import SOURCE_LABELS
from crossroads.finetune.examples import TrainingExample, normalise

Index = QModelIndex | QPersistentModelIndex
INCLUDE, QUESTION, ANSWER, SOURCE = range(4)
HEADERS = ("Train", "Question", "Answer", "Source")
HEADER_TIPS = (
    "Untick a row to leave it out of the training without deleting it.",
    "What the model is asked. Empty for a passage trained as plain text.",
    "What the model learns to answer (only these tokens are trained on), or the passage's text.",
    "Where the example came from: written by the model from a passage, your Q&A file, a passage's own text, or a "
    "general question that keeps the model answering other things as before.",
)


class ExampleModel(QAbstractTableModel):
    changed = Signal()

    def __init__(self, parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._rows: list[list[Any]] = []  # [included, question, answer, source]
        self._editable = True
        self._flagged: set[str] = set()  # normalised questions also in the evaluation set
        for signal in (self.dataChanged, self.rowsRemoved, self.modelReset):
            signal.connect(self.changed)

    def set_examples(self, examples: Iterable[TrainingExample]) -> None:
        self.beginResetModel()
        self._rows = [[True, e.question, e.answer, e.source] for e in examples]
        self.endResetModel()

    def examples(self, included_only: bool = True) -> list[TrainingExample]:
        return [TrainingExample(q.strip(), a.strip(), s) for inc, q, a, s in self._rows if inc or not included_only]

    def included_count(self) -> int:
        return sum(1 for row in self._rows if row[INCLUDE])

    def set_included(self, row: int, included: bool) -> None:
        self.setData(self.index(row, INCLUDE), Qt.CheckState.Checked if included else Qt.CheckState.Unchecked,
                     Qt.ItemDataRole.CheckStateRole)

    def remove_rows(self, rows: Sequence[int]) -> None:
        for row in sorted(set(rows), reverse=True):
            if 0 <= row < len(self._rows):
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._rows[row]
                self.endRemoveRows()

    def set_editable(self, editable: bool) -> None:
        self._editable = editable

    def flag_questions(self, normalised: set[str]) -> None:
        """Mark the rows whose question the evaluation also asks (their tooltip says why it matters)."""
        self._flagged = normalised

    # -- Qt model ---------------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return section + 1 if role == Qt.ItemDataRole.DisplayRole else None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = self._rows[index.row()], index.column()
        if column == INCLUDE:
            if role == Qt.ItemDataRole.CheckStateRole:
                return Qt.CheckState.Checked if row[INCLUDE] else Qt.CheckState.Unchecked
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if column == SOURCE:
                return SOURCE_LABELS.get(row[SOURCE], row[SOURCE]) if role == Qt.ItemDataRole.DisplayRole \
                    else row[SOURCE]
            text = row[column]
            if role == Qt.ItemDataRole.DisplayRole and column == QUESTION and not text:
                return "(passage text)"
            return text
        if role == Qt.ItemDataRole.ToolTipRole and column in (QUESTION, ANSWER):
            text = row[column]
            if column == QUESTION and self._flagged and normalise(text) in self._flagged:
                return "The Evaluate tab asks this question too: training on it flatters the fine-tuned score."
            return text or None
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or not self._editable:
            return False
        row, column = self._rows[index.row()], index.column()
        if column == INCLUDE and role == Qt.ItemDataRole.CheckStateRole:
            row[INCLUDE] = Qt.CheckState(value) == Qt.CheckState.Checked
        elif column in (QUESTION, ANSWER) and role == Qt.ItemDataRole.EditRole:
            row[column] = str(value)
        else:
            return False
        self.dataChanged.emit(index, index, [role])
        return True

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if not index.isValid() or not self._editable:
            return base
        if index.column() == INCLUDE:
            return base | Qt.ItemFlag.ItemIsUserCheckable
        if index.column() in (QUESTION, ANSWER):
            return base | Qt.ItemFlag.ItemIsEditable
        return base


class ExampleTable(QTableView):
    def __init__(self, model: ExampleModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
                             | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.setWordWrap(False)
        self.setAlternatingRowColors(True)
        header = self.horizontalHeader()
        header.setSectionResizeMode(INCLUDE, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(QUESTION, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(ANSWER, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(SOURCE, QHeaderView.ResizeMode.ResizeToContents)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)

    def selected_rows(self) -> list[int]:
        return sorted({i.row() for i in self.selectionModel().selectedRows()})
