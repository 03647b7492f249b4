"""The summary as a small table: one row per mode, one column per figure, each figure explained on hover."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QApplication

from crossroads.compare import MODES
from crossroads.ui.evaluate.colours import mode_colour
from crossroads.ui.evaluate.figures import SUMMARY_FIGURES

Index = QModelIndex | QPersistentModelIndex
Summary = dict[str, dict[str, float | int | None]]


class SummaryModel(QAbstractTableModel):
    def __init__(self, parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._summary: Summary = {}
        self._modes: list[str] = []

    def set_summary(self, summary: Summary) -> None:
        self.beginResetModel()
        self._summary = summary
        self._modes = list(summary)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._modes)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(SUMMARY_FIGURES)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        figure = SUMMARY_FIGURES[index.column()]
        value = self._summary[self._modes[index.row()]].get(figure.key)
        if role == Qt.ItemDataRole.DisplayRole:
            return figure.format(value)
        if role == Qt.ItemDataRole.ToolTipRole:
            if value is None:
                return f"{figure.label}: not measured. {figure.explanation}"
            return f"{figure.label}: {figure.format(value)}. {figure.explanation}"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(SUMMARY_FIGURES):
            if role == Qt.ItemDataRole.DisplayRole:
                return SUMMARY_FIGURES[section].heading
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"{SUMMARY_FIGURES[section].label}: {SUMMARY_FIGURES[section].explanation}"
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(self._modes):
            mode = self._modes[section]
            if role == Qt.ItemDataRole.DisplayRole:
                return MODES[mode].label if mode in MODES else mode
            if role == Qt.ItemDataRole.DecorationRole:
                return _swatch(mode_colour(mode, QApplication.palette()))  # the mode's colour in the charts
        return None


def _swatch(colour: QColor) -> QIcon:
    pixmap = QPixmap(12, 12)
    pixmap.fill(colour)
    return QIcon(pixmap)
