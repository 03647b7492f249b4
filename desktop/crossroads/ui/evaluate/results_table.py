"""One row per question answered, one group of columns per mode: the answer, whether it holds the expected
answer, how much of it your documents back, and how long it took. Rows arrive as the run finishes them."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QApplication

from crossroads.compare import MODES, Answer
from crossroads.evaluation.evaluate import QuestionResult
from crossroads.ui.evaluate.colours import bad_colour, good_colour
from crossroads.ui.evaluate.figures import CONTAINED, GROUNDED, WALL

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    mode: str | None  # None: the question itself
    field: str  # "question", "answer", "contained", "grounded", "time"
    title: str
    tip: str


def columns_for(modes: list[str]) -> list[Column]:
    cols = [Column(None, "question", "Question", "The question asked, in the order of the set.")]
    for mode in modes:
        label = MODES[mode].label if mode in MODES else mode
        cols += [
            Column(mode, "answer", label, f"What '{label}' answered. Select the row to read it in full."),
            Column(mode, "contained", "✓", f"{label}: {CONTAINED.explanation} ✓ yes, ✗ no, — no expected answer."),
            Column(mode, "grounded", "Backed", f"{label}: {GROUNDED.explanation}"),
            Column(mode, "time", "Time", f"{label}: seconds from asking to the last word of this answer."),
        ]
    return cols


class ResultsModel(QAbstractTableModel):
    def __init__(self, parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._columns = columns_for([])
        self._results: list[QuestionResult] = []

    def reset(self, modes: list[str], results: list[QuestionResult] | None = None) -> None:
        self.beginResetModel()
        self._columns = columns_for(modes)
        self._results = list(results or [])
        self.endResetModel()

    def add(self, result: QuestionResult) -> None:
        row = len(self._results)
        self.beginInsertRows(QModelIndex(), row, row)
        self._results.append(result)
        self.endInsertRows()

    @property
    def results(self) -> list[QuestionResult]:
        return list(self._results)

    def field_of(self, column: int) -> str:
        return self._columns[column].field

    def column_of(self, mode: str, field: str) -> int:
        return next(i for i, c in enumerate(self._columns) if c.mode == mode and c.field == field)

    # -- QAbstractTableModel ------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._results)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        result = self._results[index.row()]
        column = self._columns[index.column()]
        if column.mode is None:
            if role == Qt.ItemDataRole.DisplayRole:
                return result.item.question
            if role == Qt.ItemDataRole.ToolTipRole:
                expected = " | ".join(result.item.answers) or "none given"
                return f"{result.item.question}\n\nExpected: {expected}"
            return None
        answer = next((a for a in result.answers if a.mode == column.mode), None)
        if answer is None and result.error is not None and column.field == "answer":
            return _failed_cell(result.error, role)
        if answer is None:
            return None
        return _cell(answer, column.field, bool(result.item.answers), role)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._columns):
            if role == Qt.ItemDataRole.DisplayRole:
                return self._columns[section].title
            if role == Qt.ItemDataRole.ToolTipRole:
                return self._columns[section].tip
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return section + 1
        return None


def _failed_cell(error: str, role: int) -> object:
    """A question that failed shows why in place of its answers; the run went on past it."""
    if role == Qt.ItemDataRole.DisplayRole:
        return f"Failed: {error}"
    if role == Qt.ItemDataRole.ToolTipRole:
        return error
    if role == Qt.ItemDataRole.ForegroundRole:
        return bad_colour(QApplication.palette())
    return None


def _cell(answer: Answer, field: str, has_expected: bool, role: int) -> object:
    if field == "answer":
        if role == Qt.ItemDataRole.DisplayRole:
            return " ".join(answer.text.split()) or "(no answer)"
        if role == Qt.ItemDataRole.ToolTipRole:
            return answer.text or "The model gave no answer."
        return None
    align = Qt.AlignmentFlag.AlignCenter if field == "contained" else Qt.AlignmentFlag.AlignRight
    if role == Qt.ItemDataRole.TextAlignmentRole:
        return int(align | Qt.AlignmentFlag.AlignVCenter)
    if field == "contained":
        value = answer.metrics.get("contained") if has_expected else None
        if role == Qt.ItemDataRole.DisplayRole:
            return "—" if value is None else ("✓" if value else "✗")
        if role == Qt.ItemDataRole.ForegroundRole and value is not None:
            palette = QApplication.palette()
            return good_colour(palette) if value else bad_colour(palette)
        if role == Qt.ItemDataRole.ToolTipRole:
            if value is None:
                return "No expected answer was given for this question."
            return "The answer holds an expected answer." if value else "The answer holds none of the expected answers."
        return None
    if field == "grounded":
        if role == Qt.ItemDataRole.DisplayRole:
            return GROUNDED.format(answer.metrics.get("grounded_share"))
        if role == Qt.ItemDataRole.ToolTipRole:
            return GROUNDED.explanation
        return None
    if role == Qt.ItemDataRole.DisplayRole:
        return WALL.format(answer.timings.wall_s)
    if role == Qt.ItemDataRole.ToolTipRole:
        return (f"{answer.timings.wall_s:.2f} s in all, first word after {answer.timings.ttft_s:.2f} s, "
                f"{answer.timings.completion_tokens} tokens.")
    return None

