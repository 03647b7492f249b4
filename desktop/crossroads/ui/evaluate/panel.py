"""The Evaluate tab: a question set through the chosen modes, scored, charted and exported.

Everything slow runs on a ``Worker`` (reading the question file, counting the knowledge base's passages, the
evaluation itself), whose results arrive one question at a time and fill the table and charts as they come.
A stop keeps the questions answered so far; they are summarised, emitted and exportable like a full run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from crossroads.cancel import CancelToken
from crossroads.errors import CrossroadsError
from crossroads.evaluation.evaluate import Evaluation, QAItem, QuestionResult
from crossroads.evaluation.export import write_csv, write_json
from crossroads.ui.evaluate.message_bar import MessageBar
from crossroads.ui.evaluate.mode_picker import ModePicker
from crossroads.ui.evaluate.question_editor import QuestionEditor
from crossroads.ui.evaluate.results_view import ResultsView, SummaryView
from crossroads.ui.evaluate.run_progress import RunProgress
from crossroads.ui.worker import Emit, Worker

if TYPE_CHECKING:
    from crossroads.store import KnowledgeBase
    from crossroads.workspace import AdapterSummary, Workspace


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    result: QuestionResult


def _evaluate_job(
    workspace: Workspace, items: list[QAItem], modes: list[str], kb: KnowledgeBase | None,
    cancel: CancelToken, emit: Emit,
) -> Evaluation:
    def relay(done: int, total: int, result: QuestionResult) -> None:
        emit(Progress(done, total, result))

    return workspace.evaluate(items, modes, kb, cancel, on_result=relay)


class EvaluatePanel(QWidget):
    evaluation_finished = Signal(object)  # the Evaluation, also after a stop (the questions answered so far)

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._workspace = workspace
        self._runner: Worker | None = None
        self._running = False
        self._run_modes: list[str] = []
        self._live: list[QuestionResult] = []
        self._evaluation: Evaluation | None = None
        self._folder = Path.home()

        self.message = MessageBar()
        self.questions = QuestionEditor()
        self.modes = ModePicker()
        self.mode_boxes = self.modes.boxes
        self.run_button = QPushButton("Run")
        self.run_button.setToolTip("Ask every question in every chosen mode and score the answers.")
        self.cancel_button = QPushButton("Stop")
        self.cancel_button.setToolTip("Stop after the current question; the answers so far are kept.")
        self.progress = RunProgress()
        run_row = QHBoxLayout()
        run_row.addWidget(self.run_button)
        run_row.addWidget(self.cancel_button)
        side = self.questions.side
        side.addSpacing(8)
        side.addWidget(self.modes)
        side.addSpacing(8)
        side.addLayout(run_row)
        side.addWidget(self.progress)
        side.addStretch(1)
        self.questions.side_widget.setFixedWidth(
            max(self.questions.side_widget.sizeHint().width(), self.fontMetrics().horizontalAdvance("M" * 20)) + 8
        )
        question_box = QGroupBox("Questions")
        QVBoxLayout(question_box).addWidget(self.questions)

        self.summary = SummaryView()
        self.results = ResultsView()
        self.views = QTabWidget()
        self.views.setDocumentMode(True)
        self.views.addTab(self.summary, "Summary")
        self.views.addTab(self.results, "Answers per question")
        self.views.setTabToolTip(0, "Each mode's accuracy, grounding and speed over the questions answered so far.")
        self.views.setTabToolTip(1, "Every question's answers, as they finish, with their scores.")
        self.export_csv_button = QPushButton("Export CSV…")
        self.export_csv_button.setToolTip("Save one row per question and mode, for a spreadsheet.")
        self.export_json_button = QPushButton("Export JSON…")
        self.export_json_button.setToolTip("Save everything measured (answers, scores, timings, sources) as JSON.")
        corner = QWidget()
        corner_row = QHBoxLayout(corner)
        corner_row.setContentsMargins(0, 0, 0, 2)
        corner_row.addWidget(self.export_csv_button)
        corner_row.addWidget(self.export_json_button)
        self.views.setCornerWidget(corner)

        main = QSplitter(Qt.Orientation.Vertical)
        main.addWidget(question_box)
        main.addWidget(self.views)
        main.setChildrenCollapsible(False)
        main.setStretchFactor(1, 1)
        main.setSizes([270, 530])
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(main, 1)

        self.run_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.export_csv_button.clicked.connect(self._choose_csv)
        self.export_json_button.clicked.connect(self._choose_json)
        self.questions.problem.connect(self.message.show_error)
        self.questions.loaded.connect(self._on_questions_loaded)
        self._update_controls()

    # -- public API ---------------------------------------------------------------------------------------

    def set_knowledge_base(self, kb: KnowledgeBase | None) -> None:
        """The knowledge base the "with your documents" mode searches; call again after indexing changes it."""
        self.modes.set_knowledge_base(kb)

    def set_adapter(self, adapter: AdapterSummary | None) -> None:
        """The fine-tuned modes are offered while an adapter is loaded (a running evaluation keeps its modes)."""
        self.modes.set_adapter(adapter is not None)

    def load_questions_file(self, path: Path) -> None:
        self.message.hide()
        self.questions.load_file(Path(path))

    def start(self) -> None:
        if self._running:
            return
        items = self.questions.items()
        modes = self.selected_modes()
        if not modes:
            self.message.show_error("Choose at least one way to answer: Model only, Model + your documents, or a "
                                    "fine-tuned one.")
            return
        self.message.hide()
        self._running, self._run_modes, self._live = True, modes, []
        kb = self.modes.knowledge_base
        worker = Worker(partial(_evaluate_job, self._workspace, items, modes, kb), "evaluate")
        worker.event.connect(self._on_result)
        worker.finished.connect(self._on_run_finished)
        worker.failed.connect(self._on_run_failed)
        worker.cancelled.connect(self._on_run_cancelled)
        self._runner = worker
        self.results.show_results(modes, [])
        self.summary.show_summary({})
        self.progress.begin(len(items))
        self._update_controls()
        worker.start()

    def cancel(self) -> None:
        if self._runner is not None and self._running:
            self._runner.cancel()
            self.cancel_button.setEnabled(False)
            self.progress.times.setText("Stopping after the current question…")

    @property
    def running(self) -> bool:
        return self._running

    @property
    def evaluation(self) -> Evaluation | None:
        """The last run's results (a stopped run's partial ones), what the export buttons save."""
        return self._evaluation

    def selected_modes(self) -> list[str]:
        return self.modes.selected()

    def export_csv(self, path: Path) -> bool:
        return self._export(write_csv, Path(path))

    def export_json(self, path: Path) -> bool:
        return self._export(write_json, Path(path))

    # -- the run ------------------------------------------------------------------------------------------

    def _on_result(self, progress: Progress) -> None:
        if self.sender() is not self._runner:
            return
        self._live.append(progress.result)
        self.results.add_result(progress.result)
        self.progress.advance(progress.done, progress.total)
        self.summary.show_summary(self._partial().summary())

    def _on_run_finished(self, evaluation: Evaluation) -> None:
        if self.sender() is self._runner:
            self._finish(evaluation)

    def _on_run_cancelled(self) -> None:
        if self.sender() is self._runner:
            self._finish(self._partial())

    def _on_run_failed(self, message: str) -> None:
        if self.sender() is not self._runner:
            return
        self._runner, self._running = None, False
        self.progress.end("")
        self._show(self._evaluation)  # what was on screen before this run stays
        self.message.show_error(message)
        self._update_controls()

    def _finish(self, evaluation: Evaluation) -> None:
        total = self.progress.bar.maximum()
        stopped = self._runner is not None and self._runner.token.cancelled and len(evaluation.results) < total
        self._runner, self._running = None, False
        self._evaluation = evaluation
        self._show(evaluation)
        done = len(evaluation.results)
        self.progress.advance(done, total)
        self.progress.end(f"Stopped after {done} of {total}" if stopped else f"{done} questions")
        if stopped:
            self.message.show_info(
                f"Stopped after {done} of {total} questions. The answers so far are kept and can be exported."
            )
        self._update_controls()
        self.evaluation_finished.emit(evaluation)

    def _partial(self) -> Evaluation:
        model = self._workspace.model or self._workspace.server
        return Evaluation(model.name if model else "", list(self._run_modes), list(self._live),
                          self.progress.elapsed_s)

    def _show(self, evaluation: Evaluation | None) -> None:
        if evaluation is None:
            self.results.show_results([], [])
            self.summary.show_summary({})
        else:
            self.results.show_results(evaluation.modes, evaluation.results)
            self.summary.show_summary(evaluation.summary())

    def showEvent(self, event: QEvent) -> None:  # type: ignore[override]
        super().showEvent(event)
        if self.modes.knowledge_base is not None and not self.modes.checking:
            self.modes.recheck()  # documents may have been added in the Library since

    # -- export -------------------------------------------------------------------------------------------

    def _export(self, write: Callable[[Evaluation, Path], None], path: Path) -> bool:
        if self._evaluation is None or not self._evaluation.results:
            self.message.show_error("There are no results to export yet. Run the questions first.")
            return False
        try:
            write(self._evaluation, path)
        except CrossroadsError as exc:
            self.message.show_error(exc.message)
            return False
        self._folder = path.parent
        self.message.show_info(f"Saved {path.name} in {path.parent}.")
        return True

    def _choose_csv(self) -> None:
        self._choose_export("CSV", ".csv", "CSV files (*.csv)", self.export_csv)

    def _choose_json(self) -> None:
        self._choose_export("JSON", ".json", "JSON files (*.json)", self.export_json)

    def _choose_export(self, kind: str, suffix: str, filter_: str, export: Callable[[Path], bool]) -> None:
        stamp = datetime.now().strftime("%Y-%m-%d-%H%M")
        suggested = self._folder / f"evaluation-{stamp}{suffix}"
        path, _ = QFileDialog.getSaveFileName(self, f"Export the results as {kind}", str(suggested), filter_)
        if path:
            target = Path(path)
            export(target if target.suffix else target.with_suffix(suffix))

    def _on_questions_loaded(self, name: str) -> None:
        self.message.hide()

    def _update_controls(self) -> None:
        self.run_button.setEnabled(not self._running)
        self.cancel_button.setEnabled(self._running)
        self.modes.setEnabled(not self._running)
        self.questions.set_running(self._running)
        has_results = self._evaluation is not None and bool(self._evaluation.results)
        self.export_csv_button.setEnabled(has_results and not self._running)
        self.export_json_button.setEnabled(has_results and not self._running)

