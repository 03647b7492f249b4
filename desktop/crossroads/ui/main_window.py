"""The window: model bar on top, library on the left, Compare / Evaluate / Fine-tune / Decide on the right.

It wires panels together and starts model loading; each panel runs its own workers. Nothing here reads a file,
loads a model or searches: it asks the ``Workspace`` to, on a worker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from crossroads import netwatch
from crossroads.cancel import CancelToken
from crossroads.config import Settings
from crossroads.store import KnowledgeBase
from crossroads.ui import theme
from crossroads.ui.compare.compare_panel import ComparePanel
from crossroads.ui.library_panel import LibraryPanel, kb_key
from crossroads.ui.model_bar import ModelBar
from crossroads.ui.notice_bar import NoticeBar
from crossroads.ui.preferences import Preferences
from crossroads.ui.worker import Emit, Worker, stop_all
from crossroads.workspace import (
    AdapterSummary,
    ModelSummary,
    ServerSummary,
    Workspace,
    kb_server,
    kb_server_is_local,
)

log = logging.getLogger(__name__)

OFFLINE_TIP = ("Crossroads runs the model, the search and your documents on this computer. It counts the network "
               "connections attempted through Python's sockets (its own code and every Python library it loads; "
               "local connections excepted); the count stays at 0.")


def server_status(server: ServerSummary) -> tuple[str, str]:
    """The status bar's words while a model server answers: where the questions go, and what goes with them."""
    where = (f"this computer's server at {server.address}" if server.on_this_computer else server.address)
    text = f"● Questions go to {where} (model {server.name})"
    tip = (f"Each question is sent to the model server at {server.base_url}, with the passages Crossroads found in "
           "your documents for it (the RAG columns); the answer comes back from there. Your documents, the search "
           "and the knowledge base stay on this computer. Connections to that server are expected; any other "
           "connection attempted through Python's sockets is still counted here. Choose a local model in the model "
           "bar to answer offline again.")
    return text, tip


def shared_kb_status(kb: KnowledgeBase, text: str, tip: str, model_server: bool) -> tuple[str, str]:
    """The status bar's words while the open knowledge base is a team's on a PostgreSQL server."""
    where = kb_server(kb)
    if kb_server_is_local(kb):
        return (f"{text} · documents in this computer's PostgreSQL at {where}",
                f"{tip}\n\nThe knowledge base “{kb.name}” is kept by the PostgreSQL server at {where}, on this "
                "computer.")
    answered = "by the model server" if model_server else "on this computer"
    shared_tip = (f"The knowledge base “{kb.name}” is kept by the PostgreSQL server at {where}: its documents' text "
                  "and vectors are there, and each search sends the question's words and vector to it. The passages "
                  f"found come back and the answer is made {answered}. The questions you ask are kept on this "
                  "computer.")
    if model_server:
        return f"{text} · documents on the PostgreSQL server at {where}", f"{tip}\n\n{shared_tip}"
    return f"● Documents on the PostgreSQL server at {where} · answers made on this computer", shared_tip


def _warm_up(busy: Callable[[], bool], cancel: CancelToken, emit: Emit) -> list[str]:
    from crossroads.warmup import import_heavy_modules

    return import_heavy_modules(cancel, busy)


class MainWindow(QMainWindow):
    model_loaded = Signal(object)  # ModelSummary, or ServerSummary when a model server answers
    ready = Signal()  # model loaded and (if asked for) knowledge base open and demo indexed

    def __init__(self, preferences: Preferences | None = None, workspace: Workspace | None = None) -> None:
        super().__init__()
        netwatch.install()
        self.prefs = preferences or Preferences()
        self.workspace = workspace or Workspace(self.prefs.settings())
        self._model_worker: Worker | None = None
        self._adapter_worker: Worker | None = None
        self._restore_adapter = True  # the first model loaded gets back the adapter it had when the app closed
        self._pending_adapter: str | None = None
        self._pending_model: str | None = None
        self._closing = False
        self._catalog_choices: list[tuple[str, str]] = []
        self._found_models: list[Path] = []
        self._scanned = False
        self._comparisons: list[dict[str, Any]] = []
        self._evaluation: dict[str, Any] | None = None
        self._measured: Any = None
        self.server_dialog: Any = None  # the "Use a model server…" dialog while it is open
        self.setWindowTitle("Crossroads — fine-tune or RAG, on your own documents")
        self.setAcceptDrops(True)

        self.model_bar = ModelBar()
        self.model_bar.model_chosen.connect(self.load_model)
        self.model_bar.adapter_chosen.connect(self.load_adapter)
        self.model_bar.adapter_removed.connect(self.remove_adapter)
        self.model_bar.server_requested.connect(self.open_server_dialog)
        self.notice = NoticeBar()
        self.library = LibraryPanel(self.workspace)
        self.library.set_recent_shared(self.prefs.recent_shared_kbs())
        self.library.forget_shared.connect(self.prefs.forget_shared_kb)
        self.compare = ComparePanel(self.workspace)
        from crossroads.ui.decide.panel import DecidePanel
        from crossroads.ui.evaluate.panel import EvaluatePanel
        from crossroads.ui.finetune.panel import FineTunePanel

        self.evaluate = EvaluatePanel(self.workspace)
        self.finetune = FineTunePanel(self.workspace)
        self.decide = DecidePanel()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.compare, "Compare")
        self.tabs.addTab(self.evaluate, "Evaluate")
        self.tabs.addTab(self.finetune, "Fine-tune")
        self.tabs.addTab(self.decide, "Decide")
        self.tabs.setTabToolTip(0, "One question, answered by the model alone and with your documents, side by side")
        self.tabs.setTabToolTip(1, "Run a set of questions through every mode and measure accuracy and grounding")
        self.tabs.setTabToolTip(2, "Train a LoRA adapter on your documents on this computer, then compare with it")
        self.tabs.setTabToolTip(3, "Fine-tune, RAG or both? A recommendation from your situation and the evidence")

        self.tabs.currentChanged.connect(self._on_tab_changed)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.library)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([440, 920])
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.setSpacing(4)
        layout.addWidget(self.model_bar)
        layout.addWidget(self.notice)
        layout.addWidget(splitter, 1)
        self.setCentralWidget(central)

        self.offline_label = QLabel()
        self.offline_label.setToolTip(OFFLINE_TIP)
        self.statusBar().addPermanentWidget(self.offline_label)
        self._net_timer = QTimer(self)
        self._net_timer.setInterval(2000)
        self._net_timer.timeout.connect(self._show_offline)
        self._net_timer.start()
        self._show_offline()

        self.library.kb_changed.connect(self._on_kb_changed)
        self.library.documents_changed.connect(self._on_kb_changed)
        for panel in (self.library, self.compare):
            panel.status.connect(self.show_status)
            panel.failed.connect(self.show_problem)
        self.compare.comparison_finished.connect(self._on_comparison)
        self.evaluate.evaluation_finished.connect(self._on_evaluation)
        self.finetune.status.connect(self.show_status)
        self.finetune.use_adapter.connect(self.use_finetuned)
        self.finetune.set_evaluation_questions(lambda: [i.question for i in self.evaluate.questions.items()])
        self._build_menus()
        hints = QGuiApplication.styleHints()
        if hints is not None:
            hints.colorSchemeChanged.connect(self._on_system_scheme)
        self.warmed_up = False
        # Read from the warm-up's thread: a bool attribute read, no Qt call.
        self._warmup = Worker(partial(_warm_up, lambda: self.compare.running or self.evaluate.running), "warm-up")
        self._warmup.ended.connect(self._on_warmed_up)
        self._warmup.start()
        self.resize(1360, 860)
        geometry = self.prefs.geometry()
        if geometry is not None:
            self.restoreGeometry(geometry)

    def _on_system_scheme(self, _scheme: object) -> None:
        """The system switched between light and dark: follow it, unless the user chose a theme."""
        if theme.current_theme() == "system":
            self.set_theme("system")

    def _on_tab_changed(self, index: int) -> None:
        """The decision is about the client's situation, not the documents: give the wizard the whole width."""
        self.library.setVisible(self.tabs.widget(index) is not self.decide)

    def _on_warmed_up(self) -> None:
        self.warmed_up = True

    # -- menus ------------------------------------------------------------------------------------------------

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        open_model = QAction("Open GGUF model…", self)
        open_model.setShortcut(QKeySequence("Ctrl+O"))
        open_model.triggered.connect(self.model_bar.open_button.click)
        file_menu.addAction(open_model)
        file_menu.addAction(self.model_bar.use_server_action)
        self.model_bar.open_adapter_action.setShortcut(QKeySequence("Ctrl+Shift+O"))
        file_menu.addAction(self.model_bar.open_adapter_action)
        file_menu.addAction(self.model_bar.remove_adapter_action)
        add_docs = QAction("Add documents…", self)
        add_docs.setShortcut(QKeySequence("Ctrl+D"))
        add_docs.triggered.connect(self.library.add_files_button.click)
        file_menu.addAction(add_docs)
        shared_kb = QAction("Open a shared knowledge base…", self)
        shared_kb.setToolTip("A team's knowledge base on a PostgreSQL server with pgvector")
        shared_kb.triggered.connect(self.library.choose_shared_kb)
        file_menu.addAction(shared_kb)
        file_menu.addSeparator()
        settings = QAction("Settings…", self)
        settings.setShortcut(QKeySequence("Ctrl+,"))
        settings.triggered.connect(self.open_settings)
        file_menu.addAction(settings)
        file_menu.addSeparator()
        quit_action = QAction("Quit", self)
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        view = bar.addMenu("&View")
        group = QActionGroup(self)
        for name, label in (("system", "Follow the system"), ("light", "Light"), ("dark", "Dark")):
            action = QAction(f"Theme: {label}", self, checkable=True)
            action.setChecked(theme.current_theme() == name)
            action.setData(name)
            action.triggered.connect(self._on_theme_action)
            group.addAction(action)
            view.addAction(action)
        view.addSeparator()
        self.presentation_action = QAction("Presentation mode (large text)", self, checkable=True)
        self.presentation_action.setShortcut(QKeySequence("Ctrl+Shift+P"))
        self.presentation_action.setChecked(theme.presentation_mode())
        self.presentation_action.toggled.connect(self.set_presentation)
        view.addAction(self.presentation_action)
        full = QAction("Full screen", self, checkable=True)
        full.setShortcut(QKeySequence("F11"))
        full.toggled.connect(lambda on: self.showFullScreen() if on else self.showNormal())
        view.addAction(full)
        for index, name in enumerate(("Compare", "Evaluate", "Fine-tune", "Decide")):
            action = QAction(f"Go to {name}", self)
            action.setShortcut(QKeySequence(f"Ctrl+{index + 1}"))
            action.setData(index)
            action.triggered.connect(self._on_tab_action)
            view.addAction(action)

        demo = bar.addMenu("&Demo")
        start = QAction("Start the demo", self)
        start.setShortcut(QKeySequence("Ctrl+Shift+D"))
        start.setToolTip("Index the sample company's documents (once) and step through scripted questions")
        start.triggered.connect(lambda: self.start_demo())
        demo.addAction(start)
        nxt = QAction("Next demo question", self)
        nxt.setShortcut(QKeySequence("Ctrl+Right"))
        nxt.triggered.connect(self.compare.next_demo_question)
        demo.addAction(nxt)

        help_menu = bar.addMenu("&Help")
        about = QAction("About Crossroads", self)
        about.triggered.connect(self.show_about)
        help_menu.addAction(about)

    def _on_theme_action(self) -> None:
        action = self.sender()
        if isinstance(action, QAction):
            self.set_theme(str(action.data()))

    def _on_tab_action(self) -> None:
        action = self.sender()
        if isinstance(action, QAction):
            self.tabs.setCurrentIndex(int(action.data()))

    def set_theme(self, name: str) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply_theme(app, name)
        self.prefs.set_theme(name)
        self._restyle()

    def set_presentation(self, on: bool) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply_theme(app, theme.current_theme(), presentation=on)
        self.prefs.set_presentation(on)
        self._restyle()

    def _restyle(self) -> None:
        self.compare.restyle()
        self._show_offline()

    def show_about(self) -> None:
        from crossroads.ui.about_dialog import AboutDialog

        AboutDialog(self).exec()

    def open_settings(self) -> None:
        from crossroads.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.workspace.settings, ["all-minilm-l6-v2"], self)
        if dialog.exec() and dialog.result_settings() is not None:
            self.apply_settings(dialog.result_settings())  # type: ignore[arg-type]

    def apply_settings(self, settings: Settings) -> None:
        reload = self.workspace.update_settings(settings)
        self.prefs.save_settings(settings)
        self.show_status("Settings saved.")
        model = self.workspace.model
        if reload and model is not None:
            self.load_model(str(model.path))

    # -- status -----------------------------------------------------------------------------------------------

    def show_status(self, message: str) -> None:
        self.statusBar().showMessage(message, 8000)

    def show_problem(self, message: str) -> None:
        self.notice.show_message(message)
        self.statusBar().showMessage(message, 8000)

    def _show_offline(self) -> None:
        """Where the questions go, truthfully: offline, or the model server in use; and any other connection."""
        count = netwatch.attempts()
        colors = theme.colors()
        server = self.workspace.server
        kb = self.library.knowledge_base
        if server is not None:
            text, tip = server_status(server)
            color = colors.notice
        else:
            text, tip = "● Offline — nothing leaves this computer", OFFLINE_TIP
            color = colors.good
        if kb is not None and kb_server(kb) is not None:
            text, tip = shared_kb_status(kb, text, tip, server is not None)
            if not kb_server_is_local(kb):
                color = colors.notice
        if count:
            other = " other" if server is not None else ""
            attempted = f"{count}{other} network connection(s) attempted through Python"
            text = f"{text} · {attempted}" if server is not None else f"● {attempted}"
            tip = f"{tip}\n\nLast: {netwatch.last_attempt()}"
            color = colors.bad
        self.offline_label.setText(text)
        self.offline_label.setToolTip(tip)
        self.offline_label.setStyleSheet(f"color: {theme.css(color)}; padding: 0 8px;")

    @property
    def loading_model(self) -> bool:
        return self._model_worker is not None or self._adapter_worker is not None

    # -- the model --------------------------------------------------------------------------------------------

    def load_model(self, name_or_path: str) -> None:
        """Load on a worker; a running comparison or evaluation stops first. The old model stays if this one fails."""
        if self.loading_model:
            self._pending_model = name_or_path
            return
        self._stop_answering()
        self.finetune.cancel_prepare()  # its questions come from the model being replaced
        ws = self.workspace

        def job(cancel: CancelToken, emit: Emit) -> ModelSummary:
            return ws.load_model(name_or_path, cancel)

        label = Path(name_or_path).name if ("/" in name_or_path or "\\" in name_or_path) else name_or_path
        self.model_bar.set_loading(label)
        self.show_status(f"Loading {label}…")
        worker = Worker(job, "load-model")
        worker.finished.connect(self._on_model_loaded)
        worker.failed.connect(self._on_model_failed)
        worker.ended.connect(self._on_model_ended)
        self._model_worker = worker
        worker.start()

    def open_server_dialog(self) -> None:
        """"Use a model server…": ask where (the last server's URL and model filled in), then connect on a worker."""
        from crossroads.ui.server_dialog import ServerDialog

        url, model = self.prefs.last_server()
        dialog = ServerDialog(url, model, self, finetuned=self.prefs.last_server_finetuned())
        self.server_dialog = dialog  # reachable while it is open (tests drive it)
        try:
            if dialog.exec():
                self.use_server(*dialog.choice())
        finally:
            self.server_dialog = None
            dialog.deleteLater()

    def use_server(self, base_url: str, model: str | None = None, api_key: str | None = None,
                   finetuned_model: str | None = None) -> None:
        """Answer with a model on a server, connected on a worker; the current model stays if the server fails.
        ``finetuned_model``: the server's model with the adapter applied, for the fine-tuned columns."""
        if self.loading_model:
            self.show_status("Wait until the model has loaded, then choose the server again.")
            return
        self._stop_answering()
        self.finetune.cancel_prepare()
        ws = self.workspace

        def job(cancel: CancelToken, emit: Emit) -> ServerSummary:
            return ws.use_server(base_url, model, api_key, cancel, finetuned_model)

        self.model_bar.set_loading(base_url)
        self.show_status(f"Connecting to {base_url}…")
        worker = Worker(job, "use-server")
        worker.finished.connect(self._on_server_loaded)
        worker.failed.connect(self._on_model_failed)
        worker.ended.connect(self._on_model_ended)
        self._model_worker = worker
        worker.start()

    def _on_server_loaded(self, summary: ServerSummary) -> None:
        from crossroads.workspace import no_adapter_with_server

        self.model_bar.show_server(summary)
        self._show_adapter(self.workspace.adapter)  # the local model's adapter is gone; the server's own, if named
        self._set_no_adapter_reason(no_adapter_with_server(summary))
        self.prefs.remember_server(summary.base_url, summary.name, summary.finetuned_model)
        self.show_status(f"{summary.name} on {summary.address} is ready: questions now go there.")
        self.notice.hide()
        self._show_offline()
        self.model_loaded.emit(summary)

    def _set_no_adapter_reason(self, reason: str | None) -> None:
        self.compare.set_no_adapter_reason(reason)
        self.evaluate.modes.set_no_adapter_reason(reason)

    def _stop_answering(self) -> None:
        if self.compare.running:
            self.compare.stop()
        if self.evaluate.running:  # its answers so far are kept; the rest would come from another model
            self.evaluate.cancel()

    def _on_model_loaded(self, summary: ModelSummary) -> None:
        self.model_bar.show_model(summary)
        self._show_adapter(self.workspace.adapter)  # a new model drops the old one's adapter
        if self._restore_adapter:
            self._restore_adapter = False
            remembered = self.prefs.last_adapter(str(summary.path))
            if remembered and Path(remembered).is_file():
                self._pending_adapter = remembered  # applied once the model's worker has ended
        self.prefs.remember_model(str(summary.path))
        self.show_status(f"{summary.name} is ready.")
        self.notice.hide()
        self.refresh_model_choices()
        self.finetune.set_model(summary)
        self._set_no_adapter_reason(None)
        self._show_offline()  # back on this computer, if a server answered before
        self.model_loaded.emit(summary)

    def _on_model_failed(self, message: str) -> None:
        kept = self.workspace.model or self.workspace.server
        suffix = ""
        if isinstance(kept, ServerSummary):
            suffix = f" {kept.name} on {kept.address} still answers."
        elif kept is not None:
            suffix = f" {kept.name} is still loaded."
        self.show_problem(message + suffix)

    def _on_model_ended(self) -> None:
        self._model_worker = None
        self._loaded_next()

    def _loaded_next(self) -> None:
        self.model_bar.set_loading(None)
        pending, self._pending_model = self._pending_model, None
        adapter, self._pending_adapter = self._pending_adapter, None
        if pending:
            self.load_model(pending)  # a new model: the adapter asked for meanwhile was for the old one
        elif adapter:
            self.load_adapter(adapter)

    # -- the fine-tuned adapter -------------------------------------------------------------------------------

    def load_adapter(self, path: str) -> None:
        """Apply a GGUF LoRA adapter on a worker; a refused file says why and leaves the previous state as it was."""
        self._change_adapter(path)

    def use_finetuned(self, path: str) -> None:
        """The Fine-tune tab's adapter (already checked against the loaded model): load it and show Compare."""
        self.load_adapter(path)
        self.tabs.setCurrentWidget(self.compare)

    def remove_adapter(self) -> None:
        """Back to the base model alone: the Fine-tuned columns and modes go away."""
        self._change_adapter(None)

    def _change_adapter(self, path: str | None) -> None:
        if self.loading_model:
            if path is not None:
                self._pending_adapter = path
            else:
                self.show_status("Wait until the model has loaded.")
            return
        self._stop_answering()
        ws = self.workspace

        def job(cancel: CancelToken, emit: Emit) -> AdapterSummary | None:
            if path is None:
                ws.unload_adapter()
                return None
            return ws.load_adapter(path)

        label = Path(path).name if path is not None else None
        self.model_bar.set_loading(label or "the base model")
        self.show_status(f"Loading the adapter {label}…" if label else "Removing the adapter…")
        worker = Worker(job, "load-adapter" if path else "remove-adapter")
        worker.finished.connect(self._on_adapter_changed)
        worker.failed.connect(self._on_adapter_failed)
        worker.ended.connect(self._on_adapter_ended)
        self._adapter_worker = worker
        worker.start()

    def _on_adapter_changed(self, summary: AdapterSummary | None) -> None:
        self._show_adapter(summary)
        model, server = self.workspace.model, self.workspace.server
        if model is not None:
            self.prefs.remember_adapter(str(model.path), str(summary.path) if summary is not None else None)
        elif server is not None and summary is None:  # the server's fine-tuned model is no longer wanted
            self.prefs.remember_server(server.base_url, server.name, None)
        self.notice.hide()
        self.show_status(f"Fine-tuned adapter {summary.name} loaded: the Fine-tuned columns are available."
                         if summary is not None else "Adapter removed: answering with the base model only.")

    def _on_adapter_failed(self, message: str) -> None:
        kept = self.workspace.adapter
        self._show_adapter(kept)
        suffix = f" The adapter {kept.name} is still loaded." if kept is not None else " Nothing was changed."
        self.show_problem(message + suffix)

    def _on_adapter_ended(self) -> None:
        self._adapter_worker = None
        self._loaded_next()

    def _show_adapter(self, adapter: AdapterSummary | None) -> None:
        self.model_bar.show_adapter(adapter)
        self.compare.set_adapter(adapter)
        self.evaluate.set_adapter(adapter)

    def refresh_model_choices(self, scan: bool = True) -> None:
        """Catalog models at once; GGUF files elsewhere on this computer from a scan on a worker."""
        from crossroads.models.catalog import load_catalog

        catalog = [(e.name, e.display_name) for e in load_catalog().entries("chat") if e.is_present()]
        self._catalog_choices = catalog
        self.model_bar.set_choices(catalog, self._found_models, self.prefs.recent_models())
        if not scan or self._scanned:
            return
        self._scanned = True

        def job(cancel: CancelToken, emit: Emit) -> list[Path]:
            from crossroads.models.discovery import scan_for_models

            return [m.path for m in scan_for_models()]

        worker = Worker(job, "scan-models")
        worker.finished.connect(self._on_models_found)
        worker.start()

    def _on_models_found(self, found: list[Path]) -> None:
        self._found_models = found
        self.model_bar.set_choices(self._catalog_choices, found, self.prefs.recent_models())

    # -- knowledge bases and results --------------------------------------------------------------------------

    def _on_kb_changed(self, kb: KnowledgeBase | None) -> None:
        has_documents = kb is not None and self.library.has_documents()
        self.compare.set_knowledge_base(kb, has_documents)
        self.evaluate.set_knowledge_base(kb if has_documents else None)
        self.finetune.set_knowledge_base(kb)
        key = kb_key(kb) if kb is not None else None
        self.prefs.remember_kb(key)
        if key is not None and kb_server(kb) is not None:
            self.prefs.remember_shared_kb(key)
            self.library.set_recent_shared(self.prefs.recent_shared_kbs())
        self._show_offline()

    def _on_comparison(self, data: dict[str, Any]) -> None:
        self._comparisons = [*self._comparisons[-19:], data]
        self.decide.set_measured(self._measured, evaluation=self._evaluation, comparisons=self._comparisons)

    def _on_evaluation(self, evaluation: Any) -> None:
        from crossroads.decision.from_evaluation import measured_from_evaluation

        self._evaluation = evaluation.to_dict()
        try:
            self._measured = measured_from_evaluation(self._evaluation)
        except Exception as exc:  # a partial or odd evaluation must not break the Decide tab
            log.info("evaluation not usable as measured results: %s", exc)
            self._measured = None
        self.decide.set_measured(self._measured, evaluation=self._evaluation, comparisons=self._comparisons)
        if self._measured is not None:
            self.show_status("The evaluation's results now inform the Decide tab.")

    # -- demo -------------------------------------------------------------------------------------------------

    def start_demo(self, ask_first: bool = True) -> None:
        """Open the demo knowledge base, index the sample documents (unchanged ones are skipped), then ask."""
        from crossroads.demo import DEMO_KB, demo_copies_elsewhere, demo_dir, demo_documents, demo_questions

        self.tabs.setCurrentWidget(self.compare)
        self.compare.set_demo(demo_questions())
        if self.evaluate.questions.model.rowCount() == 0 and not self.evaluate.running:
            self.evaluate.load_questions_file(demo_dir() / "questions.jsonl")  # Evaluate is one click away

        def opened(kb: KnowledgeBase) -> None:
            elsewhere = demo_copies_elsewhere(row.key for row in self.library.model.rows())
            self.library.add_paths([demo_documents()], forget=elsewhere)
            self._demo_when_ready(ask_first)

        self.library.open_kb(DEMO_KB, then=opened)

    def _demo_when_ready(self, ask_first: bool, adapter_tried: bool = False) -> None:
        """Once the model is loaded and the documents indexed: the demo's adapter (when it was trained on this
        model), so the fine-tuned columns show with no training wait, then the first question."""
        if self._closing:
            return
        ready = self.workspace.model is not None or self.workspace.server is not None
        if not ready or self.library.indexing or self.loading_model:
            QTimer.singleShot(200, lambda: self._demo_when_ready(ask_first, adapter_tried))
            return
        if not adapter_tried and self.workspace.adapter is None and self._load_demo_adapter():
            QTimer.singleShot(200, lambda: self._demo_when_ready(ask_first, True))
            return
        if ask_first:
            self.compare.next_demo_question()

    def _load_demo_adapter(self) -> bool:
        """Start loading the shipped demo adapter on a worker if it fits the loaded model; False if there is none.
        Another model quietly goes without (its sha256 differs from the adapter's manifest)."""
        from crossroads.demo import demo_adapter, demo_adapter_for

        ws = self.workspace
        model = ws.model
        if model is None or demo_adapter() is None:
            return False

        def job(cancel: CancelToken, emit: Emit) -> AdapterSummary | None:
            path = demo_adapter_for(model.path)
            return ws.load_adapter(path) if path is not None else None

        worker = Worker(job, "load-demo-adapter")
        worker.finished.connect(lambda summary: summary is not None and self._on_adapter_changed(summary))
        worker.failed.connect(self._on_adapter_failed)
        worker.ended.connect(self._on_adapter_ended)
        self._adapter_worker = worker
        worker.start()
        return True

    # -- drops and closing ------------------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        models = [p for p in paths if p.suffix.lower() == ".gguf"]
        documents = [p for p in paths if p.suffix.lower() != ".gguf"]
        if models:
            self.load_model(str(models[0]))
        if documents:
            self.library.add_paths(documents)
        event.acceptProposedAction()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Stop every job (generation within a token, indexing between files), then release the model."""
        if not self.decide.maybe_save():  # the consultant chose Cancel: unsaved wizard answers stay open
            event.ignore()
            return
        self._closing = True
        self.prefs.set_geometry(self.saveGeometry())
        self.compare.stop()
        self.library.cancel_indexing()
        self.finetune.shutdown()  # the training process stops with a checkpoint, to resume next time
        if not stop_all(timeout=20.0):
            log.warning("some work did not stop in time; closing anyway")
        self.workspace.close()
        super().closeEvent(event)
