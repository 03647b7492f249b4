"""The two tabs under the question set: the summary with its charts, and every question's answers with details."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from crossroads.evaluation.evaluate import QuestionResult
from crossroads.ui.evaluate.answer_details import AnswerDetails
from crossroads.ui.evaluate.figures import LATENCY_FIGURES, SHARE_FIGURES
from crossroads.ui.evaluate.metrics_chart import MetricsChart
from crossroads.ui.evaluate.results_table import ResultsModel
from crossroads.ui.evaluate.summary_table import Summary, SummaryModel

RESULTS_HINT = "Each question's answers as they finish. Select one to read its answers in full."


class ResultsView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ResultsModel(self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setWordWrap(False)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setDefaultSectionSize(self.view.fontMetrics().height() + 10)
        self.hint = QLabel(RESULTS_HINT)
        self.details = AnswerDetails()
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.view)
        split.addWidget(self.details)
        split.setChildrenCollapsible(False)
        split.setSizes([860, 380])
        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addWidget(split, 1)
        self.model.modelReset.connect(self._fit_columns)
        self.model.modelReset.connect(self._show_selected)
        self.view.selectionModel().selectionChanged.connect(self._on_selection)
        self._fit_columns()

    def show_results(self, modes: list[str], results: list[QuestionResult]) -> None:
        self.model.reset(modes, results)

    def add_result(self, result: QuestionResult) -> None:
        self.model.add(result)
        self.view.scrollToBottom()
        if not self.view.selectionModel().hasSelection():
            self.details.show_result(self.model.rowCount(), result)  # the latest, until one is chosen

    def _on_selection(self, selected: QItemSelection, deselected: QItemSelection) -> None:
        self._show_selected()

    def _show_selected(self) -> None:
        rows = self.view.selectionModel().selectedRows()
        results = self.model.results
        if rows:
            self.details.show_result(rows[0].row() + 1, results[rows[0].row()])
        elif results:
            self.details.show_result(len(results), results[-1])
        else:
            self.details.show_result(0, None)

    def _fit_columns(self) -> None:
        header = self.view.horizontalHeader()
        header.setMinimumSectionSize(36)
        header.setTextElideMode(Qt.TextElideMode.ElideRight)
        for column in range(self.model.columnCount()):
            field = self.model.field_of(column)
            if field in ("question", "answer"):
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
            else:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)


class SummaryView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = SummaryModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(self.table.focusPolicy().NoFocus)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.accuracy_chart = MetricsChart(
            "Accuracy and grounding", SHARE_FIGURES, "needs expected answers or a knowledge base"
        )
        self.latency_chart = MetricsChart("Median seconds per answer", LATENCY_FIGURES, "no answers yet")
        charts = QHBoxLayout()
        charts.addWidget(self.accuracy_chart, 1)
        charts.addWidget(self.latency_chart, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(charts, 1)

    def show_summary(self, summary: Summary) -> None:
        self.model.set_summary(summary)
        self.accuracy_chart.set_summary(summary)
        self.latency_chart.set_summary(summary)
        rows = self.model.rowCount()
        header = self.table.horizontalHeader().height() if summary else 0
        self.table.setFixedHeight(self.table.verticalHeader().defaultSectionSize() * rows + header + 4)
