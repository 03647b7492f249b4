"""The Decide tab: the project bar, the wizard and the result page, kept in step with one set of answers.

The panel holds the answers (``crossroads.decision.Answers``), the measured results handed over by the Evaluate
and Compare tabs, and the open file. Every change recomputes the recommendation with the core's ``recommend`` (a
few milliseconds, so on the UI thread); exports run on the Worker.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import QFileDialog, QFrame, QMessageBox, QVBoxLayout, QWidget

from crossroads.decision import Answers, Measured, Recommendation, load_answers, recommend, save_answers
from crossroads.decision.from_evaluation import comparisons_for_report, evaluation_for_report, measured_from_evaluation
from crossroads.errors import InputError
from crossroads.ui.decide import text
from crossroads.ui.decide.export import export_job, file_filters, resolve_target, suggested_name
from crossroads.ui.decide.project_bar import ProjectBar
from crossroads.ui.decide.wizard import DecideWizard
from crossroads.ui.worker import Worker

ANSWERS_FILTER = "Answers (*.json);;All files (*)"


class DecidePanel(QWidget):
    answers_changed = Signal()
    exported = Signal(str)  # the report file written
    export_failed = Signal(str)  # the message shown

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("decidePanel")
        self._answers = Answers()
        self._saved = Answers()
        self._path: Path | None = None
        self._folder: Path | None = None
        self._measured: Measured | None = None
        self._evaluation: dict[str, Any] | None = None
        self._comparisons: list[dict[str, Any]] | None = None
        self._rec = recommend(self._answers)
        self._export_worker: Worker | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 6)
        layout.setSpacing(8)
        self.project_bar = ProjectBar()
        layout.addWidget(self.project_bar)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        layout.addWidget(line)
        self.wizard = DecideWizard()
        layout.addWidget(self.wizard, 1)

        self.project_bar.new_requested.connect(self.new_project)
        self.project_bar.open_requested.connect(self.open_project)
        self.project_bar.save_requested.connect(self.save)
        self.project_bar.save_as_requested.connect(self.save_as)
        self.project_bar.project_edited.connect(self._on_project_edited)
        self.wizard.answer_chosen.connect(self._on_answer_chosen)
        self.wizard.result_view.export_requested.connect(self.export_report)
        self.wizard.restart()
        self._show_everything()

    # -- what the main window uses -------------------------------------------------------------------------------

    @property
    def answers(self) -> Answers:
        return self._answers

    @property
    def recommendation(self) -> Recommendation:
        return self._rec

    @property
    def project_path(self) -> Path | None:
        return self._path

    def is_modified(self) -> bool:
        return self._answers != self._saved

    def set_measured(
        self,
        measured: Measured | None,
        *,
        evaluation: dict | None = None,
        comparisons: list[dict] | None = None,
    ) -> None:
        """Results from the Evaluate/Compare tabs: shown on the result page, fed to recommend(), and included in
        exports. Without ``measured``, an evaluation's summary (``Evaluation.to_dict()``) stands in for it."""
        self._evaluation = self._report_evaluation(evaluation)
        self._comparisons = comparisons_for_report(comparisons) if comparisons else None
        if measured is None and evaluation:
            try:
                measured = measured_from_evaluation(evaluation)
            except InputError:
                measured = None
        self._measured = measured
        self._recompute()

    def load_project(self, path: Path) -> None:
        """Open an answers file; a bad one is explained in a message box and the current answers stay."""
        path = Path(path)
        try:
            answers = load_answers(path)
        except InputError as exc:
            QMessageBox.warning(self, "Cannot open the answers", exc.message)
            return
        self._answers = self._saved = answers
        self._set_path(path)
        self._show_everything()
        self.wizard.go_to(0)
        self.answers_changed.emit()

    def save_project(self, path: Path) -> None:
        """Save the answers as JSON (the format `crossroads decide --answers` reads); a failure is explained."""
        path = Path(path)
        try:
            save_answers(self._answers, path)
        except OSError as exc:
            QMessageBox.warning(
                self,
                "Cannot save the answers",
                f"The answers could not be saved as {path.name}: {exc.strerror or exc}. They are still here; "
                "choose another folder or name.",
            )
            return
        self._saved = self._answers
        self._set_path(path)
        self.project_bar.show_file(path, False, f"Saved {path.name}")

    def maybe_save(self) -> bool:
        """Ask before unsaved answers would be lost; False means the person chose to stay."""
        if not self.is_modified():
            return True
        name = self._answers.project or (self._path.name if self._path else "these answers")
        choice = QMessageBox.question(
            self,
            "Unsaved answers",
            f"Save the answers for {name} first?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if choice == QMessageBox.StandardButton.Save:
            return self.save()
        return choice == QMessageBox.StandardButton.Discard

    # -- the project bar ------------------------------------------------------------------------------------------

    def new_project(self) -> None:
        if not self.maybe_save():
            return
        self._answers = self._saved = Answers()
        self._set_path(None)
        self._show_everything()
        self.wizard.go_to(0)
        self.answers_changed.emit()

    def open_project(self) -> None:
        if not self.maybe_save():
            return
        name, _ = QFileDialog.getOpenFileName(self, "Open answers", str(self._start_folder()), ANSWERS_FILTER)
        if name:
            self.load_project(Path(name))

    def save(self) -> bool:
        if self._path is None:
            return self.save_as()
        self.save_project(self._path)
        return not self.is_modified()

    def save_as(self) -> bool:
        default = self._path or self._start_folder() / suggested_name(self._answers.project, "answers.json")
        name, _ = QFileDialog.getSaveFileName(self, "Save answers as", str(default), ANSWERS_FILTER)
        if not name:
            return False
        path = Path(name)
        self.save_project(path if path.suffix else path.with_suffix(".json"))
        return not self.is_modified()

    # -- export ---------------------------------------------------------------------------------------------------

    def export_report(self, path: Path | None = None) -> None:
        """Write the report (format from the file name) on the Worker; asks for the file when none is given."""
        if self._export_worker is not None:
            return
        chosen_filter = ""
        if path is None:
            default = self._start_folder() / suggested_name(self._answers.project)
            name, chosen_filter = QFileDialog.getSaveFileName(
                self, "Export the decision report", str(default), ";;".join(file_filters())
            )
            if not name:
                return
            path = Path(name)
        target, fmt = resolve_target(Path(path), chosen_filter)
        self._folder = target.parent
        rec = recommend(self._answers, self._measured)
        job = export_job(rec, target, fmt, evaluation=self._evaluation, comparisons=self._comparisons)
        worker = Worker(job, "decision-export", self)
        worker.finished.connect(self._on_export_finished)
        worker.failed.connect(self._on_export_failed)
        worker.ended.connect(self._on_export_ended)
        self._export_worker = worker
        self.wizard.result_view.set_exporting(True)
        self.project_bar.show_file(self._path, self.is_modified(), f"Exporting {target.name}…")
        worker.start()

    def _on_export_finished(self, path: object) -> None:
        written = Path(str(path))
        self.project_bar.show_file(self._path, self.is_modified(), f"Report saved as {written.name}")
        self.exported.emit(str(written))

    def _on_export_failed(self, message: str) -> None:
        self.project_bar.show_file(self._path, self.is_modified())
        QMessageBox.warning(self, "Cannot export the report", message)
        self.export_failed.emit(message)

    def _on_export_ended(self) -> None:
        # The finished Worker stays a child of the panel: deleting a Qt object while another thread runs Python
        # can crash PySide6 (see entries.py), and one small object per export costs nothing.
        self._export_worker = None
        self.wizard.result_view.set_exporting(False)

    # -- internals ------------------------------------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # e.g. presentation mode: headings grow with the text
            text.refresh_fonts(self)

    def _on_answer_chosen(self, question_id: str, value: str) -> None:
        self._answers = self._answers.with_value(question_id, value)
        self._recompute()
        self.answers_changed.emit()

    def _on_project_edited(self, name: str) -> None:
        self._answers = dataclasses.replace(self._answers, project=name.strip())
        self.project_bar.show_file(self._path, self.is_modified())
        self.answers_changed.emit()

    def _recompute(self) -> None:
        self._rec = recommend(self._answers, self._measured)
        self.wizard.result_view.show_recommendation(self._rec)
        self.wizard.update_steps(self._answers, self._rec)
        self.project_bar.show_file(self._path, self.is_modified())

    def _show_everything(self) -> None:
        self.project_bar.show_project(self._answers.project)
        self.wizard.show_answers(self._answers)
        self._recompute()

    def _set_path(self, path: Path | None) -> None:
        self._path = path
        if path is not None:
            self._folder = path.parent

    def _start_folder(self) -> Path:
        return self._folder or Path.home()

    @staticmethod
    def _report_evaluation(evaluation: Mapping[str, Any] | None) -> dict[str, Any] | None:
        if not evaluation:
            return None
        try:
            return evaluation_for_report(evaluation)
        except InputError:
            return None  # nothing answered yet: the report leaves the section out rather than show an empty one
