"""The question set as an editable table: a question and its expected answers ("|" between several)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from crossroads.evaluation.evaluate import QAItem
from crossroads.evaluation.export import ANSWER_SEPARATOR

Index = QModelIndex | QPersistentModelIndex
HEADERS = ("Question", "Expected answers")
HEADER_TIPS = (
    "What to ask. Every mode answers the same questions with the same settings.",
    "Optional. The answer you expect, to score accuracy; separate several accepted answers with |, "
    "for example: 27 days | twenty-seven days.",
)


def split_answers(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split("|") if part.strip())


class QuestionSetModel(QAbstractTableModel):
    """Rows of [question, expected answers as typed]; ``items()`` turns them into the core's QAItems."""

    changed = Signal()  # any edit, load, addition or removal

    def __init__(self, parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._rows: list[list[str]] = []
        self._editable = True
        for signal in (self.dataChanged, self.rowsInserted, self.rowsRemoved, self.modelReset):
            signal.connect(self.changed)

    # -- the question set ---------------------------------------------------------------------------------

    def set_items(self, items: Iterable[QAItem]) -> None:
        self.beginResetModel()
        self._rows = [[item.question, ANSWER_SEPARATOR.join(item.answers)] for item in items]
        self.endResetModel()

    def items(self) -> list[QAItem]:
        """The questions to run; rows whose question is blank are left out."""
        return [QAItem(q.strip(), split_answers(a)) for q, a in self._rows if q.strip()]

    def add_row(self, question: str = "", answers: str = "") -> QModelIndex:
        row = len(self._rows)
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.append([question, answers])
        self.endInsertRows()
        return self.index(row, 0)

    def remove_rows(self, rows: Sequence[int]) -> None:
        for row in sorted(set(rows), reverse=True):
            if 0 <= row < len(self._rows):
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._rows[row]
                self.endRemoveRows()

    def set_editable(self, editable: bool) -> None:
        """Frozen while a run uses the set, so what is shown is what was asked."""
        self._editable = editable

    # -- QAbstractTableModel ------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        text = self._rows[index.row()][index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return text
        if role == Qt.ItemDataRole.ToolTipRole:
            return text or HEADER_TIPS[index.column()]
        return None

    def setData(self, index: Index, value: object, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.EditRole or not self._editable:
            return False
        text = str(value).replace("\n", " ")
        if self._rows[index.row()][index.column()] == text:
            return False
        self._rows[index.row()][index.column()] = text
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole])
        return True

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsEditable if self._editable else base

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(HEADERS):
            if role == Qt.ItemDataRole.DisplayRole:
                return HEADERS[section]
            if role == Qt.ItemDataRole.ToolTipRole:
                return HEADER_TIPS[section]
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return section + 1
        return None
