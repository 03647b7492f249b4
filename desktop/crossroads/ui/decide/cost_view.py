"""The cost and effort estimate: one tab per path (the recommended first), and the assumptions behind them.

Figures, units and wording come from ``crossroads.decision.costs``; this only lays them out as tables.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from crossroads.decision import Recommendation
from crossroads.decision.weights import load_weights
from crossroads.ui.decide import text


def fill_table(
    table: QTableWidget, headers: Sequence[str], rows: Sequence[Sequence[str]], stretch_column: int | None = None
) -> None:
    """Read-only rows with a tooltip on every cell, so a cut-off text can still be read in full.

    Cells are reused and spare rows and columns hidden, never deleted (see ``entries``). Columns fit their
    contents; ``stretch_column`` takes the spare width (default: the last column).
    """
    table.setColumnCount(max(table.columnCount(), len(headers)))
    table.setRowCount(max(table.rowCount(), len(rows)))
    table.setHorizontalHeaderLabels(list(headers))
    for column in range(table.columnCount()):
        table.setColumnHidden(column, column >= len(headers))
    for r in range(table.rowCount()):
        table.setRowHidden(r, r >= len(rows))
        for c, value in enumerate(rows[r] if r < len(rows) else ()):
            item = table.item(r, c)
            if item is None:
                item = QTableWidgetItem()
                table.setItem(r, c, item)
            item.setText(value)
            item.setToolTip(value)
    header = table.horizontalHeader()
    header.setStretchLastSection(stretch_column is None)
    for column in range(len(headers)):
        mode = QHeaderView.ResizeMode.Stretch if column == stretch_column else QHeaderView.ResizeMode.ResizeToContents
        header.setSectionResizeMode(column, mode)
    table.resizeRowsToContents()


def table_rows(table: QTableWidget) -> list[tuple[str, ...]]:
    """The cells shown, row by row (hidden spare rows and columns left out)."""
    columns = [c for c in range(table.columnCount()) if not table.isColumnHidden(c)]
    rows = [r for r in range(table.rowCount()) if not table.isRowHidden(r)]
    return [tuple(table.item(r, c).text() for c in columns) for r in rows]


def table_headers(table: QTableWidget) -> tuple[str, ...]:
    columns = [c for c in range(table.columnCount()) if not table.isColumnHidden(c)]
    return tuple(table.horizontalHeaderItem(c).text() for c in columns)


def make_table(*, fit: bool) -> QTableWidget:
    """A read-only table; ``fit`` ones show every row at once (single lines, no scroll bars of their own)."""
    table = QTableWidget()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    table.verticalHeader().hide()
    table.setWordWrap(not fit)
    if fit:
        table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return table


def fit_height(table: QTableWidget) -> None:
    """Tall enough for every row: the page scrolls, not each little table."""
    height = table.horizontalHeader().sizeHint().height() + 2 * table.frameWidth()
    height += sum(table.rowHeight(r) for r in range(table.rowCount()) if not table.isRowHidden(r))
    table.setFixedHeight(height + 2)


class CostPage(QWidget):
    """One path's estimate: its note (e.g. "not possible as stated") and its cost lines."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 6, 0, 0)
        self.note = text.label(muted=True)
        self.table = make_table(fit=True)
        box.addWidget(self.note)
        box.addWidget(self.table)
        box.addStretch(1)


class CostView(QWidget):
    """Tabs in ranking order, the recommended path first; the pages are made once and reused."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(
            text.label(
                "Rough ranges, not quotes: the low end combines the favourable end of every assumption, the high "
                "end the unfavourable one. The assumptions can be changed in the answers file.",
                size=text.NOTE,
                muted=True,
            )
        )
        self._assumed = text.label(size=text.NOTE, muted=True, object_name="costAssumed")
        layout.addWidget(self._assumed)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("costTabs")
        self.tabs.setDocumentMode(True)
        layout.addWidget(self.tabs)
        self._pages = {option: CostPage() for option in load_weights().order}
        self._assumptions = make_table(fit=False)
        self._order: list[str] = []

    def show_costs(self, rec: Recommendation) -> None:
        w = load_weights()
        self._assumed.setText(" ".join(rec.costs.assumed))
        self._assumed.setVisible(bool(rec.costs.assumed))
        tallest = 0
        for option, page in self._pages.items():
            cost = rec.costs.for_option(option)
            page.note.setText(cost.note)
            page.note.setVisible(bool(cost.note))
            fill_table(page.table, ("Item", "Estimate"), [(line.item, line.text()) for line in cost.lines])
            fit_height(page.table)
            tallest = max(tallest, page.table.height())
        fill_table(
            self._assumptions,
            ("Assumption", "Value", "Source"),
            [(a.label + (" (changed)" if a.overridden else ""), a.text(), a.source) for a in rec.costs.assumptions],
            2,
        )
        self._assumptions.setFixedHeight(max(tallest, 240))
        order = [*rec.ranking(), "assumptions"]
        if order != self._order:
            self._reorder(order)
        for index, option in enumerate(order[:-1]):
            self.tabs.setTabText(index, w.options[option].short + (" (recommended)" if option == rec.winner else ""))
            self.tabs.setTabToolTip(index, w.options[option].label)

    def _reorder(self, order: list[str]) -> None:
        """The ranking moves the tabs as answers change; the person stays on the path they were reading."""
        index = self.tabs.currentIndex()
        current = self._order[index] if 0 <= index < len(self._order) else None
        self.tabs.blockSignals(True)
        while self.tabs.count():
            self.tabs.removeTab(0)  # removes the tab only; the page stays, to be added back in its new place
        for option in order[:-1]:
            self.tabs.addTab(self._pages[option], option)
        self.tabs.addTab(self._assumptions, "Assumptions")
        self.tabs.setTabToolTip(len(order) - 1, "Every figure the estimates are computed from, with its source")
        self._order = order
        self.tabs.setCurrentIndex(order.index(current) if current in order else 0)
        self.tabs.blockSignals(False)

    def rows(self, tab: int) -> list[tuple[str, ...]]:
        """The cells of one tab's table, for reading back what is shown."""
        page = self.tabs.widget(tab)
        return table_rows(page if isinstance(page, QTableWidget) else page.table)
