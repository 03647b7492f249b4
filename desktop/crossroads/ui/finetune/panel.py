"""The Fine-tune tab: choose and review the data, set the run (estimate measured on its first step), watch it
train, keep and use the adapter; or export the reviewed rows for a GPU trainer and import what it gives back.

The tab is thin: the examples come from ``finetune.dataset``, the run from ``finetune.session`` (the training
process is cancelled through the worker's token, so closing the window stops it with a checkpoint), and the kept
adapters from ``finetune.runs``. Data is written by the workspace's loaded model: its engine runs one generation
at a time, so a question asked in Compare meanwhile waits for at most one passage's questions, never the whole
preparation (and no second copy of the model is loaded).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from crossroads.cancel import CancelToken
from crossroads.errors import CrossroadsError
from crossroads.finetune import events as ev
from crossroads.finetune.dataset import (
    DataChoice,
    Progress,
    build_examples,
    check_trainable,
    counts_text,
    default_name,
    kb_passages,
)
from crossroads.finetune.examples import TrainingExample, normalise, overlap_with
from crossroads.finetune.import_adapter import Imported
from crossroads.finetune.installed import check_installed, not_installed_message
from crossroads.finetune.job import TrainingJob
from crossroads.finetune.parity import verdict_cell, verdict_text
from crossroads.finetune.pipeline import Outcome
from crossroads.finetune.runs import AdapterRun
from crossroads.store import KnowledgeBase
from crossroads.timetext import duration
from crossroads.ui.evaluate.message_bar import MessageBar
from crossroads.ui.finetune.adapter_list import AdapterList, loss_text
from crossroads.ui.finetune.controls import DataForm, SettingsForm
from crossroads.ui.finetune.example_table import ExampleModel, ExampleTable
from crossroads.ui.finetune.gpu_box import (
    ExportDone,
    ExportRequest,
    export_job,
    exported_text,
    import_job,
    imported_text,
)
from crossroads.ui.finetune.loss_chart import LossChart
from crossroads.ui.worker import Emit, Worker
from crossroads.workspace import ModelSummary, Workspace

log = logging.getLogger(__name__)

EXPORT_TEXT = "Export for a GPU trainer…"
CANCEL_EXPORT_TEXT = "Cancel the export"
BEFORE_START = ("Time and peak memory are measured on the first training step and shown here before the rest "
                "runs (roughly 2–3 s per step for a 135M model, 10–40 s for a 0.5B one on two cores).")
MEASURING = "Measuring the first step… the time and peak memory follow in a moment."


def _prepare_job(workspace: Workspace, choice: DataChoice, kb: KnowledgeBase | None, cancel: CancelToken,
                 emit: Emit) -> list[TrainingExample]:
    from crossroads.rag.prompting import SYSTEM_MESSAGE

    passages = kb_passages(kb) if kb is not None and choice.needs_passages else []
    engine = workspace.chat_engine() if choice.needs_model else None
    return build_examples(choice, passages, engine, SYSTEM_MESSAGE, cancel=cancel, on_progress=emit)


class RunHandle:
    """What the closing window needs from the worker thread: the process, and whether it has begun stepping."""

    def __init__(self) -> None:
        self.job: TrainingJob | None = None
        self.stepping = False  # before this the process is loading: nothing to checkpoint, so it may be stopped


def _train_job(name: str, model_path: Path | None, examples: Sequence[TrainingExample], settings: object,
               validation_share: float, handle: RunHandle, cancel: CancelToken, emit: Emit) -> Outcome:
    """A new run (``model_path`` given) or the unfinished run ``name`` resumed; events go to the UI."""
    from crossroads.finetune import pipeline, session
    from crossroads.rag.prompting import SYSTEM_MESSAGE

    if model_path is None:
        job = pipeline.resume(name)
    else:
        checks = [e.question for e in examples if e.source != "general" and e.question][:2]
        job = pipeline.prepare(name, model_path, examples, settings, system_message=SYSTEM_MESSAGE,  # type: ignore[arg-type]
                               validation_share=validation_share, verify_prompts=checks)
    handle.job = job

    def relay(event: ev.TrainEvent) -> None:
        if isinstance(event, ev.Started | ev.Resumed | ev.Step):
            handle.stepping = True
        emit(event)

    return session.run_job(job, cancel, relay)


def _check_base_job(name: str, model_path: Path, cancel: CancelToken, emit: Emit) -> str:
    from crossroads.finetune.runs import check_base, load_run

    run = load_run(name)
    check_base(run, model_path)  # an adapter for other weights is refused, with the reason
    return str(run.adapter_path)


class FineTunePanel(QWidget):
    use_adapter = Signal(str)  # an adapter file checked against the loaded model: load it and show Compare
    status = Signal(str)

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._workspace = workspace
        self._kb: KnowledgeBase | None = None
        self._eval_questions: Callable[[], list[str]] = list
        self._preparer: Worker | None = None
        self._trainer: Worker | None = None
        self._handle = RunHandle()
        self._checker: Worker | None = None
        self._exporter: Worker | None = None
        self._importer: Worker | None = None
        self._import_source = Path()
        self._run_name = ""
        self._total_steps = 0
        self._last_result: AdapterRun | None = None
        self.not_installed = not_installed_message()  # a build without the training stack: said once, up front

        self.message = MessageBar()
        self.overlap_bar = MessageBar()
        self.data_form = DataForm()
        self.data_progress = QProgressBar()
        self.data_progress.setTextVisible(True)
        self.data_progress.hide()
        self.data_form.layout().addWidget(self.data_progress)
        self.settings_form = SettingsForm()
        self.estimate = QLabel(BEFORE_START)
        self.estimate.setWordWrap(True)
        self.estimate.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.settings_form.layout().addRow(self.estimate)
        self.start_button = QPushButton("Start training")
        self.start_button.setToolTip("Train a LoRA adapter on the ticked rows, in a separate process.")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop at the next example; a checkpoint is kept so the run can be resumed.")
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        self.settings_form.layout().addRow(buttons)
        self.export_button = QPushButton(EXPORT_TEXT)
        self.export_button.setToolTip("Train on a GPU box instead: write the ticked rows as edited, with ready-to-run "
                                      "Axolotl and LLaMA-Factory configurations for the loaded model and these "
                                      "settings, into an empty folder. Nothing is trained here.")
        self.settings_form.layout().addRow(self.export_button)
        self.unfinished = QComboBox()
        self.unfinished.setToolTip("Runs cancelled or interrupted before their end; each resumes from its checkpoint.")
        self.resume_button = QPushButton("Resume")
        resume_row = QHBoxLayout()
        resume_row.addWidget(QLabel("Unfinished:"))
        resume_row.addWidget(self.unfinished, 1)
        resume_row.addWidget(self.resume_button)
        self.resume_box = QWidget()
        self.resume_box.setLayout(resume_row)
        resume_row.setContentsMargins(0, 0, 0, 0)
        self.settings_form.layout().addRow(self.resume_box)

        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 4, 0)
        side_layout.addWidget(self.data_form)
        side_layout.addWidget(self.settings_form)
        side_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(side)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        bar = scroll.verticalScrollBar().sizeHint().width()
        wide_enough = max(side.minimumSizeHint().width(), self.fontMetrics().horizontalAdvance("M" * 22))
        scroll.setMinimumWidth(wide_enough + bar)

        self.model = ExampleModel(self)
        self.table = ExampleTable(self.model)
        self.counts = QLabel("No data yet: choose the sources and press Prepare data.")
        self.delete_rows_button = QPushButton("Delete rows")
        self.delete_rows_button.setToolTip("Remove the selected rows from the training data.")
        data_head = QHBoxLayout()
        data_head.addWidget(self.counts, 1)
        data_head.addWidget(self.delete_rows_button)
        data_page = QGroupBox("Review the training data")
        data_page.setToolTip("Every training example: untick, edit (double-click) or delete rows before training.")
        data_layout = QVBoxLayout(data_page)
        data_layout.addLayout(data_head)
        data_layout.addWidget(self.table, 1)

        self.progress = QProgressBar()
        self.progress.setFormat("step %v of %m")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress_text = QLabel("No training yet.")
        self.progress_text.setWordWrap(True)
        self.chart = LossChart()
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result_box = self.result  # the latest run's result, above the list that holds it (selected)
        self.result.hide()
        progress_page = QGroupBox("3. Progress")
        progress_layout = QVBoxLayout(progress_page)
        progress_layout.addWidget(self.progress)
        progress_layout.addWidget(self.progress_text)
        progress_layout.addWidget(self.chart, 1)

        self.adapters = AdapterList()
        adapters_page = QGroupBox("4. Result and kept adapters")
        adapters_page.setToolTip("Adapters trained so far: use one in Compare, rename or delete it.")
        adapters_layout = QVBoxLayout(adapters_page)
        adapters_layout.addWidget(self.result)
        adapters_layout.addWidget(self.adapters, 1)
        self.use_button = self.adapters.use_button
        self.views = QSplitter(Qt.Orientation.Vertical)  # all four steps in view at once, each resizable
        for page in (data_page, progress_page, adapters_page):
            self.views.addWidget(page)
        self.views.setChildrenCollapsible(False)
        self.views.setStretchFactor(0, 3)
        self.views.setStretchFactor(1, 4)
        self.views.setStretchFactor(2, 2)
        self.views.setSizes([230, 360, 190])

        main = QSplitter(Qt.Orientation.Horizontal)
        main.addWidget(scroll)
        main.addWidget(self.views)
        main.setChildrenCollapsible(False)
        main.setStretchFactor(1, 1)
        main.setSizes([scroll.minimumWidth(), 600])
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.overlap_bar)
        layout.addWidget(main, 1)

        self.data_form.prepare_button.clicked.connect(self.prepare)
        self.data_form.cancel_button.clicked.connect(self.cancel_prepare)
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel_training)
        self.resume_button.clicked.connect(lambda: self.resume(self.unfinished.currentText()))
        self.delete_rows_button.clicked.connect(lambda: self.model.remove_rows(self.table.selected_rows()))
        self.model.changed.connect(self._on_data_changed)
        self.adapters.use_requested.connect(self.use)
        self.adapters.rename_requested.connect(self.rename)
        self.adapters.delete_requested.connect(self.delete)
        self.adapters.import_requested.connect(lambda source, name: self.import_adapter(Path(source), name))
        self.export_button.clicked.connect(self._on_export_clicked)
        self.refresh_runs()
        self._update_controls()
        if self.not_installed:
            self.message.show_info(self.not_installed)
            self.start_button.setToolTip(self.not_installed)

    # -- from the window ----------------------------------------------------------------------------------

    def set_knowledge_base(self, kb: KnowledgeBase | None) -> None:
        """The knowledge base whose passages are trained on; the name field follows it until the user edits it."""
        self._kb = kb
        if not self.settings_form.name.isModified():
            self.settings_form.name.setText(self.suggested_name())

    def set_model(self, model: ModelSummary | None) -> None:
        """Say before anything starts when the loaded model cannot be fine-tuned here."""
        from crossroads.finetune.plan import check_architecture

        if model is None or self.training:
            return
        try:
            check_architecture(model.architecture)
        except CrossroadsError as exc:
            self.estimate.setText(exc.message)
        else:
            self.estimate.setText(BEFORE_START)

    def _no_local_model(self, then: str) -> str:
        """Why there is nothing to fine-tune: no model yet, or the questions go to a server (its model is not here)."""
        joined = ("first, " if then.startswith("then") else "first: ") + then
        server = self._workspace.server
        if server is not None:
            return (f"Fine-tuning trains the model on this computer, and the questions now go to the server at "
                    f"{server.address}. Choose a local model in the model bar {joined}")
        return f"Load a model in the model bar {joined}"

    def set_evaluation_questions(self, questions: Callable[[], list[str]]) -> None:
        """Where to read the Evaluate tab's current questions, for the overlap warning."""
        self._eval_questions = questions
        self._check_overlap()

    def suggested_name(self) -> str:
        from crossroads.finetune.session import taken_names

        base = self._kb.name if self._kb is not None else (self.data_form.qa_file.stem if self.data_form.qa_file
                                                          else "adapter")
        return default_name(base, taken_names())

    @property
    def preparing(self) -> bool:
        return self._preparer is not None

    @property
    def training(self) -> bool:
        return self._trainer is not None

    def examples(self) -> list[TrainingExample]:
        """The rows ticked for training, as edited."""
        return self.model.examples()

    # -- 1. data ------------------------------------------------------------------------------------------

    def prepare(self) -> None:
        if self.preparing or self.training:
            return
        choice = self.data_form.choice()
        has_kb = self._kb is not None
        try:
            choice.check(has_kb=has_kb, has_model=self._workspace.model is not None)
        except CrossroadsError as exc:
            self.message.show_error(exc.message)
            return
        self.message.hide()
        worker = Worker(partial(_prepare_job, self._workspace, choice, self._kb), "finetune-data")
        worker.event.connect(self._on_data_progress)
        worker.finished.connect(self._on_data_ready)
        worker.failed.connect(self._on_data_failed)
        worker.cancelled.connect(self._on_data_cancelled)
        worker.ended.connect(self._on_data_ended)
        self._preparer = worker
        self.data_progress.setRange(0, 0)
        self.data_progress.setFormat("Reading the sources…")
        self.data_progress.show()
        self._update_controls()
        worker.start()

    def cancel_prepare(self) -> None:
        if self._preparer is not None:
            self._preparer.cancel()
            self.data_form.cancel_button.setEnabled(False)
            self.data_progress.setFormat("Stopping after the current passage…")

    def _on_data_progress(self, progress: Progress) -> None:
        if self.sender() is not self._preparer:
            return
        self.data_progress.setFormat(f"{progress.stage}: %v of %m ({progress.found} examples)")
        self.data_progress.setRange(0, max(1, progress.total))
        self.data_progress.setValue(progress.done)

    def _on_data_ready(self, examples: list[TrainingExample]) -> None:
        if self.sender() is not self._preparer:
            return
        self.model.set_examples(examples)
        if not self.settings_form.name.isModified():
            self.settings_form.name.setText(self.suggested_name())
        self.status.emit(f"Training data ready: {counts_text(examples)}. Review it, then start training.")

    def _on_data_failed(self, message: str) -> None:
        if self.sender() is self._preparer:
            self.message.show_error(message)

    def _on_data_cancelled(self) -> None:
        if self.sender() is self._preparer:
            self.message.show_info("Data preparation cancelled; the table keeps what it had before.")

    def _on_data_ended(self) -> None:
        if self.sender() is self._preparer:
            self._preparer = None
            self.data_progress.hide()
            self._update_controls()

    def _on_data_changed(self) -> None:
        rows = self.model.examples(included_only=False)
        if rows:
            self.counts.setText(counts_text(rows, self.model.included_count()))
        else:
            self.counts.setText("No data yet: choose the sources and press Prepare data.")
        self._check_overlap()
        self._show_planned_steps()
        self._update_controls()

    def _check_overlap(self) -> None:
        """An evaluation question must never be trained on silently: say how many, and mark them."""
        questions = self._eval_questions()
        shared = overlap_with(self.model.examples(), questions)
        self.model.flag_questions({normalise(q) for q in questions} if shared else set())
        if shared:
            first = shared[0].question
            self.overlap_bar.show_error(
                f"{len(shared)} training question{'s are' if len(shared) != 1 else ' is'} also in the Evaluate "
                f"tab's questions (for example “{first}”). The fine-tuned scores on them would be flattering: "
                "untick or delete those rows, or evaluate on other questions.")
        else:
            self.overlap_bar.hide()

    def showEvent(self, event: QEvent) -> None:  # type: ignore[override]
        super().showEvent(event)
        self._check_overlap()  # the Evaluate questions may have changed since
        self.refresh_runs()

    # -- 2. settings and 3. the run -----------------------------------------------------------------------

    def _show_planned_steps(self) -> None:
        if self.training:
            return
        examples = self.model.examples()
        if not examples or not self._is_supported():
            return
        try:
            settings = self.settings_form.settings(threads=1)
        except CrossroadsError:
            return
        train = max(1, round(len(examples) * (1 - self.data_form.held_out.value() / 100)))
        self.estimate.setText(f"{settings.total_steps(train)} steps on about {train} examples. " + BEFORE_START)

    def _is_supported(self) -> bool:
        from crossroads.finetune.plan import check_architecture

        model = self._workspace.model
        try:
            if model is not None:
                check_architecture(model.architecture)
        except CrossroadsError:
            return False
        return True

    def start(self) -> None:
        """Check everything a user can get wrong, then train in a separate process on a worker thread."""
        from crossroads.finetune.plan import check_architecture
        from crossroads.finetune.session import check_new_name

        if self.training or self.preparing:
            return
        model = self._workspace.model
        examples = self.examples()
        try:
            check_installed()
            if model is None:
                raise CrossroadsError(self._no_local_model("it is the model that gets fine-tuned."))
            check_architecture(model.architecture)
            check_trainable(examples)
            name = check_new_name(self.settings_form.name.text())
            settings = self.settings_form.settings(self._workspace.settings.resolved_threads())
        except CrossroadsError as exc:
            self.message.show_error(exc.message)
            return
        share = self.data_form.held_out.value() / 100
        self._handle = RunHandle()
        self._begin(name, partial(_train_job, name, model.path, examples, settings, share, self._handle),
                    settings.total_steps(max(1, round(len(examples) * (1 - share)))))

    def resume(self, name: str) -> None:
        if self.training or self.preparing or not name:
            return
        if self.not_installed:
            self.message.show_error(self.not_installed)
            return
        self._handle = RunHandle()
        self._begin(name, partial(_train_job, name, None, (), None, 0.0, self._handle), 0)

    def _begin(self, name: str, job: Callable[[CancelToken, Emit], Outcome], total: int) -> None:
        self.message.hide()
        self._run_name, self._total_steps = name, total
        self._last_result = None
        self.result_box.hide()
        self.chart.clear(total or 1)
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(0)
        self.progress_text.setText(f"Starting the training process for “{name}”…")
        self.estimate.setText(MEASURING)
        worker = Worker(job, "finetune-train")
        worker.event.connect(self._on_train_event)
        worker.finished.connect(self._on_train_finished)
        worker.failed.connect(self._on_train_failed)
        worker.ended.connect(self._on_train_ended)
        self._trainer = worker
        self._update_controls()
        worker.start()

    def cancel_training(self) -> None:
        if self._trainer is not None:
            self._trainer.cancel()
            self.cancel_button.setEnabled(False)
            self.progress_text.setText("Stopping at the next example and keeping a checkpoint…")

    def _on_train_event(self, event: ev.TrainEvent) -> None:
        if self.sender() is not self._trainer:
            return
        if isinstance(event, ev.Loading):
            self.progress_text.setText(f"Loading {event.model} for training ({event.dtype})…")
        elif isinstance(event, ev.Resumed):
            self._set_total(event.total_steps)
            self.progress.setValue(event.step)
            self.progress_text.setText(f"Resuming at step {event.step} of {event.total_steps}.")
        elif isinstance(event, ev.Started):
            self._set_total(event.total_steps)
            fits = "" if event.peak_bytes <= event.available_bytes else " (more than is free!)"
            self.estimate.setText(
                f"Measured on the first step: about {event.seconds_per_step:.1f} s per step, "
                f"{duration(event.total_seconds)} for {event.total_steps} steps; peak memory about "
                f"{event.peak_bytes / 1e9:.1f} GB of {event.available_bytes / 1e9:.1f} GB free{fits} ({event.dtype}). "
                f"{event.examples} training and {event.validation} held-out examples.")
        elif isinstance(event, ev.Step):
            self._set_total(event.total_steps)
            self.progress.setValue(event.step)
            self.chart.add_train(event.step, event.loss)
            left = "" if event.step >= event.total_steps else f" · about {duration(event.eta_s)} left"
            self.progress_text.setText(f"Step {event.step} of {event.total_steps} · training loss {event.loss:.3f}"
                                       f" · {event.tokens_per_s:.0f} tokens/s{left}")
            if event.step >= event.total_steps:
                self.progress_text.setText(self.progress_text.text() + " · converting the adapter for llama.cpp…")
        elif isinstance(event, ev.Evaluated):
            self.chart.add_held_out(event.step, event.loss)
        elif isinstance(event, ev.Converted):
            self.progress_text.setText("Adapter converted; checking it in llama.cpp…")
        elif isinstance(event, ev.Cancelled):
            self.progress_text.setText(f"Cancelled at step {event.step} of {event.total_steps}; the checkpoint is "
                                       "kept: Resume continues from it.")

    def _set_total(self, total: int) -> None:
        if total and total != self._total_steps:
            self._total_steps = total
            self.progress.setRange(0, total)
            self.chart.set_total(total)

    def _on_train_finished(self, outcome: Outcome) -> None:
        if self.sender() is not self._trainer:
            return
        if outcome.run is None:
            self.message.show_info(f"Training cancelled at step {outcome.cancelled_at}. The checkpoint is kept: "
                                   f"choose “{self._run_name}” under Unfinished and press Resume to continue.")
            self.estimate.setText(BEFORE_START)
            return
        self._show_result(outcome.run)
        self.status.emit(f"The adapter “{outcome.run.name}” is trained and kept.")

    def _show_result(self, run: AdapterRun) -> None:
        m = run.manifest
        self._last_result = run
        self.chart.show_losses(m.train_losses, m.eval_losses, max(1, m.steps))
        self.progress.setRange(0, max(1, m.steps))
        self.progress.setValue(m.steps)
        self.progress_text.setText(f"Done: {m.steps} steps in {duration(m.seconds)}.")
        self.result.setText(
            f"<b>{run.name}</b> — {m.steps} steps on {m.data.get('train', 0)} examples, best held-out loss "
            f"{loss_text(m.best_eval_loss)}, {duration(m.seconds)} ({m.seconds_per_step:.1f} s per step). "
            f"Checked in llama.cpp: {verdict_cell(m.verified, m.parity)}.")
        self.result.setToolTip(f"{verdict_text(m.verified, m.parity)}\nTrained for {m.base_model} ({m.dtype}); "
                               f"{m.data.get('validation', 0)} examples held out. Select it below and press Use in "
                               "Compare.")
        self.result_box.show()

    def _on_train_failed(self, message: str) -> None:
        if self.sender() is not self._trainer:
            return
        self.message.show_error(f"The training stopped: {message}")
        self.progress_text.setText("The training stopped; see the message above.")
        self.estimate.setText(BEFORE_START)

    def _on_train_ended(self) -> None:
        if self.sender() is self._trainer:
            self._trainer = None
            self.refresh_runs(select=self._last_result.name if self._last_result else None)
            if not self.settings_form.name.isModified() or self._last_result is not None:
                self.settings_form.name.setText(self.suggested_name())
                self.settings_form.name.setModified(False)
            self._update_controls()

    @property
    def process_running(self) -> bool:
        """The training process is alive (it outlives a cancel by the time it takes to save a checkpoint)."""
        return self._handle.job is not None and self._handle.job.running

    def shutdown(self, timeout: float = 20.0) -> None:
        """Closing the window: a training run stops with a checkpoint; one still loading its model is stopped at
        once (nothing to keep yet; an earlier checkpoint stays). The window never waits longer than ``timeout``."""
        for worker in (self._preparer, self._exporter, self._importer):
            if worker is not None:
                worker.cancel()
        trainer, handle = self._trainer, self._handle
        if trainer is None:
            return
        trainer.cancel()
        if handle.job is not None and not handle.stepping:
            handle.job.kill()
        if not trainer.wait(timeout) and handle.job is not None:
            log.warning("the training process did not stop within %.0f s; stopping it", timeout)
            handle.job.kill()
            trainer.wait(5.0)

    # -- training on a GPU box: export the reviewed rows, import the adapter -------------------------------

    @property
    def exporting(self) -> bool:
        return self._exporter is not None

    @property
    def importing(self) -> bool:
        return self._importer is not None

    def _on_export_clicked(self) -> None:
        if self._exporter is not None:
            self._exporter.cancel()
            self.export_button.setEnabled(False)
            return
        folder = QFileDialog.getExistingDirectory(self, "An empty folder for the export", str(Path.home()))
        if folder:
            self.export_to(Path(folder))

    def export_to(self, folder: Path) -> None:
        """Write the ticked rows, as edited, with the trainer configs into ``folder`` (new or empty), on a worker."""
        if self.exporting or self.training:
            return
        model = self._workspace.model
        try:
            if model is None:
                raise CrossroadsError(self._no_local_model("the export is made for the model it fine-tunes."))
            settings = self.settings_form.settings(self._workspace.settings.resolved_threads())
        except CrossroadsError as exc:
            self.message.show_error(exc.message)
            return
        request = ExportRequest(folder, self.examples(), settings, model.path, self.data_form.held_out.value() / 100,
                                self._eval_questions())
        worker = Worker(partial(export_job, request), "finetune-export")
        worker.event.connect(self._on_gpu_box_progress)
        worker.finished.connect(self._on_exported)
        worker.failed.connect(self._on_gpu_box_failed)
        worker.cancelled.connect(self._on_export_cancelled)
        worker.ended.connect(self._on_export_ended)
        self._exporter = worker
        self._update_controls()
        worker.start()

    def _on_gpu_box_progress(self, text: str) -> None:
        if self.sender() in (self._exporter, self._importer):
            self.message.show_info(text)

    def _on_gpu_box_failed(self, message: str) -> None:
        if self.sender() in (self._exporter, self._importer):
            self.message.show_error(message)

    def _on_exported(self, done: ExportDone) -> None:
        if self.sender() is self._exporter:
            self.message.show_info(exported_text(done))
            self.status.emit(f"Exported the training data for a GPU trainer to {done.exported.folder}.")

    def _on_export_cancelled(self) -> None:
        if self.sender() is self._exporter:
            self.message.show_info("Export cancelled; nothing was kept in the folder.")

    def _on_export_ended(self) -> None:
        if self.sender() is self._exporter:
            self._exporter = None
            self._update_controls()

    def import_adapter(self, source: Path, name: str | None = None) -> None:
        """Keep an adapter trained elsewhere for the loaded model (converted and checked on a worker)."""
        if self.importing:
            return
        model = self._workspace.model
        if model is None:
            self.message.show_error(self._no_local_model("the adapter is imported for the model it was trained on."))
            return
        self._import_source = source
        worker = Worker(partial(import_job, source, model.path, name), "finetune-import")
        worker.event.connect(self._on_gpu_box_progress)
        worker.finished.connect(self._on_imported)
        worker.failed.connect(self._on_gpu_box_failed)
        worker.ended.connect(self._on_import_ended)
        self._importer = worker
        self._update_controls()
        worker.start()

    def _on_imported(self, result: Imported) -> None:
        if self.sender() is not self._importer:
            return
        self.message.show_info(imported_text(result, self._import_source))
        if result.run is not None:
            self.refresh_runs(select=result.run.name)
            self.status.emit(f"The adapter “{result.run.name}” is imported and kept.")

    def _on_import_ended(self) -> None:
        if self.sender() is self._importer:
            self._importer = None
            self._update_controls()

    # -- 4. kept adapters ---------------------------------------------------------------------------------

    def refresh_runs(self, select: str | None = None) -> None:
        from crossroads.finetune.runs import list_runs
        from crossroads.finetune.session import unfinished_runs

        try:
            self.adapters.show_runs(list_runs(), select)
            unfinished = [u.name for u in unfinished_runs()]
        except OSError as exc:
            self.message.show_error(f"The kept adapters could not be listed: {exc}")
            return
        current = self.unfinished.currentText()
        self.unfinished.clear()
        self.unfinished.addItems(unfinished)
        if current in unfinished:
            self.unfinished.setCurrentText(current)
        self.resume_box.setVisible(bool(unfinished))

    def use(self, name: str) -> None:
        """Check the adapter fits the loaded model (on a worker: hashing a model takes seconds), then use it."""
        model = self._workspace.model
        if not name:
            return
        if model is None:
            self.message.show_error(self._no_local_model("then use the adapter with it."))
            return
        if self._checker is not None:
            return
        worker = Worker(partial(_check_base_job, name, model.path), "finetune-check")
        worker.finished.connect(self._on_checked)
        worker.failed.connect(self.message.show_error)
        worker.ended.connect(self._on_checked_ended)
        self._checker = worker
        self.adapters.use_button.setEnabled(False)
        worker.start()

    def _on_checked(self, path: str) -> None:
        self.message.hide()
        self.use_adapter.emit(path)

    def _on_checked_ended(self) -> None:
        self._checker = None
        self._update_controls()

    def rename(self, old: str, new: str) -> None:
        from crossroads.finetune.runs import rename_run

        try:
            run = rename_run(old, new)
        except CrossroadsError as exc:
            self.message.show_error(exc.message)
            return
        except OSError as exc:
            self.message.show_error(f"The adapter could not be renamed: {exc}")
            return
        if self._last_result is not None and self._last_result.name == old:
            self._show_result(run)
        self.message.show_info(f"Renamed “{old}” to “{run.name}”.")
        self.refresh_runs(select=run.name)

    def delete(self, name: str) -> None:
        from crossroads.finetune.runs import delete_run

        loaded = self._workspace.adapter
        if loaded is not None and loaded.path.parent.name == name:
            self.message.show_error(f"The adapter “{name}” is in use in Compare. Remove it there first "
                                    "(File ▸ Remove the fine-tuned model), then delete it.")
            return
        try:
            delete_run(name)
        except (CrossroadsError, OSError) as exc:
            self.message.show_error(getattr(exc, "message", None) or f"The adapter could not be deleted: {exc}")
            return
        if self._last_result is not None and self._last_result.name == name:
            self._last_result = None
            self.result_box.hide()
        self.message.show_info(f"Deleted the adapter “{name}”.")
        self.refresh_runs()

    # -- state --------------------------------------------------------------------------------------------

    def _update_controls(self) -> None:
        busy = self.preparing or self.training
        self.data_form.prepare_button.setEnabled(not busy)
        self.data_form.cancel_button.setEnabled(self.preparing)
        self.start_button.setEnabled(not busy and not self.not_installed)
        self.cancel_button.setEnabled(self.training)
        self.resume_button.setEnabled(not busy and not self.not_installed)
        self.model.set_editable(not self.training)
        self.delete_rows_button.setEnabled(not self.training and self.model.rowCount() > 0)
        self.adapters.use_button.setEnabled(self.adapters.selected() is not None and self._checker is None)
        self.export_button.setText(CANCEL_EXPORT_TEXT if self.exporting else EXPORT_TEXT)
        self.export_button.setEnabled(self.exporting or (not self.training and self.model.included_count() > 0))
        self.adapters.import_button.setEnabled(not self.importing)
        self.settings_form.setEnabled(True)
        for widget in (self.settings_form.name, self.settings_form.steps, self.settings_form.epochs,
                       self.settings_form.rank, self.settings_form.learning_rate, self.settings_form.max_length):
            widget.setEnabled(not self.training)
