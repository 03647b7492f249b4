"""Compare: one question, answered side by side by every chosen mode at once, with sources and history.

The panel only relays: the worker runs ``Workspace.ask`` and forwards the core's events (sources found, a token for
a mode, a mode done); each event lands in the column it names. A finished comparison is kept in the knowledge
base's history and can be reopened exactly as answered.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from crossroads.cancel import CancelToken
from crossroads.compare import MODES, Comparison, ModeDone, ModeToken, SourcesFound
from crossroads.demo import DemoQuestion
from crossroads.store import KnowledgeBase
from crossroads.ui import theme
from crossroads.ui.compare.answer_pane import AnswerPane
from crossroads.ui.compare.sources_panel import SourcesPanel
from crossroads.ui.worker import Emit, Worker
from crossroads.workspace import AdapterSummary, Workspace

NO_ADAPTER = "Open a fine-tuned adapter first (File → Open fine-tuned adapter or model…)."


class ComparePanel(QWidget):
    comparison_finished = Signal(object)  # the Comparison's dict
    status = Signal(str)
    failed = Signal(str)

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ws = workspace
        self._kb: KnowledgeBase | None = None
        self._worker: Worker | None = None
        self._demo: list[DemoQuestion] = []
        self._demo_index = -1
        self._asked_at = 0.0
        self._last: dict[str, Any] | None = None
        self._adapter: AdapterSummary | None = None
        self._no_adapter = NO_ADAPTER  # why the fine-tuned modes are off (another reason while a server answers)
        self._documents = False  # a knowledge base with documents is open

        self.question = QPlainTextEdit()
        self.question.setPlaceholderText("Ask a question about your documents…   (Ctrl+Enter to ask)")
        self.question.setTabChangesFocus(True)
        self.question.setFixedHeight(self.question.fontMetrics().lineSpacing() * 3 + 16)
        self.ask_button = QPushButton("Ask")
        self.ask_button.setDefault(True)
        self.ask_button.setToolTip("Answer with every chosen mode at once (Ctrl+Enter)")
        self.ask_button.clicked.connect(self.ask)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop answering (Esc). What was written so far stays.")
        self.stop_button.clicked.connect(self.stop)
        self.stop_button.setEnabled(False)
        for key in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(key), self, self.ask, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence("Escape"), self, self.stop, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

        self.mode_boxes: dict[str, QCheckBox] = {}
        modes_row = QHBoxLayout()
        modes_row.addWidget(QLabel("Answer with:"))
        for name, mode in MODES.items():
            box = QCheckBox(mode.label)
            box.setChecked(not mode.uses_adapter)  # the fine-tuned ones are ticked when an adapter is opened
            box.toggled.connect(lambda _on: self._update_columns())
            self.mode_boxes[name] = box
            modes_row.addWidget(box)
        modes_row.addStretch(1)
        self.history_button = QToolButton()
        self.history_button.setText("History")
        self.history_button.setToolTip("Questions asked in this knowledge base; pick one to see its answers again.")
        self.history_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.history_menu = QMenu(self.history_button)
        self.history_menu.aboutToShow.connect(self._fill_history)
        self.history_button.setMenu(self.history_menu)
        modes_row.addWidget(self.history_button)

        self.demo_bar = QWidget()
        demo_row = QHBoxLayout(self.demo_bar)
        demo_row.setContentsMargins(0, 0, 0, 0)
        self.demo_label = QLabel("")
        self.demo_label.setWordWrap(True)
        self.demo_prev = QPushButton("◀ Previous")
        self.demo_prev.clicked.connect(self.previous_demo_question)
        self.demo_next = QPushButton("Next question ▶")
        self.demo_next.setToolTip("Ask the next scripted demo question (Ctrl+Right)")
        self.demo_next.clicked.connect(self.next_demo_question)
        QShortcut(QKeySequence("Ctrl+Right"), self, self.next_demo_question)
        QShortcut(QKeySequence("Ctrl+Left"), self, self.previous_demo_question)
        demo_row.addWidget(self.demo_label, 1)
        demo_row.addWidget(self.demo_prev)
        demo_row.addWidget(self.demo_next)
        self.demo_bar.hide()

        ask_row = QHBoxLayout()
        ask_row.addWidget(self.question, 1)
        buttons = QVBoxLayout()
        buttons.addWidget(self.ask_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        ask_row.addLayout(buttons)

        self.panes: dict[str, AnswerPane] = {}
        columns = QWidget()
        columns_row = QHBoxLayout(columns)
        columns_row.setContentsMargins(0, 0, 0, 0)
        for name, mode in MODES.items():
            pane = AnswerPane(name, mode.label)
            pane.citation_clicked.connect(self._on_citation)
            self.panes[name] = pane
            columns_row.addWidget(pane)
        self.sources = SourcesPanel()
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(columns)
        splitter.addWidget(self.sources)
        splitter.setStretchFactor(0, 3)  # the answers first; the sources below get the smaller share
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        self.legend = QLabel("")
        self.legend.setObjectName("muted")
        self.legend.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.demo_bar)
        layout.addLayout(ask_row)
        layout.addLayout(modes_row)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.legend)
        self.restyle()
        self.set_knowledge_base(None)

    # -- state ------------------------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._worker is not None

    def last_comparison(self) -> dict[str, Any] | None:
        return self._last

    def restyle(self) -> None:
        colors = theme.colors()
        self.legend.setText(
            f'<span style="background-color:{theme.css(colors.supported_bg)};">&nbsp;supported by a source&nbsp;</span>'
            f'&nbsp;&nbsp;<span style="background-color:{theme.css(colors.unsupported_bg)};">&nbsp;not supported by '
            "any source&nbsp;</span>&nbsp;&nbsp;Answers are checked against the passages listed under Sources; "
            "select one to read it in its document."
        )
        for pane in self.panes.values():
            pane.restyle()

    def set_knowledge_base(self, kb: KnowledgeBase | None, has_documents: bool = True) -> None:
        self._kb = kb
        self._documents = kb is not None and has_documents
        self.sources.set_knowledge_base(kb)
        self._update_boxes()

    def set_adapter(self, adapter: AdapterSummary | None) -> None:
        """The fine-tuned adapter the workspace holds now; its columns are offered (and ticked) only with one."""
        before = self._adapter
        newly = adapter is not None and (before is None or (before.path, before.name) != (adapter.path, adapter.name))
        self._adapter = adapter
        for name, mode in MODES.items():
            if mode.uses_adapter:
                if newly:
                    self.mode_boxes[name].blockSignals(True)
                    self.mode_boxes[name].setChecked(True)
                    self.mode_boxes[name].blockSignals(False)
                self.panes[name].title.setToolTip(
                    (f"The model with the fine-tuned adapter {adapter.name} ({adapter.path.name})" if adapter.path
                     else f"The server's fine-tuned model {adapter.name}") if adapter else "")
        self._update_boxes()

    def set_no_adapter_reason(self, reason: str | None) -> None:
        """Why the fine-tuned modes are off when no adapter is loaded; None: the usual "open one" hint."""
        self._no_adapter = reason or NO_ADAPTER
        self._update_boxes()

    def _update_boxes(self) -> None:
        """Each mode's box is usable only when what it needs (documents, an adapter) is there; the tip says why not."""
        kb = self._kb
        for name, mode in MODES.items():
            box = self.mode_boxes[name]
            reasons = []
            if mode.uses_documents and kb is None:
                reasons.append("Choose a knowledge base in the library first.")
            elif mode.uses_documents and not self._documents and kb is not None:
                reasons.append(f"“{kb.name}” has no documents yet: add some in the library.")
            if mode.uses_adapter and self._adapter is None:
                reasons.append(self._no_adapter)
            box.setEnabled(not reasons)
            if reasons:
                box.setToolTip(" ".join(reasons))
            elif mode.uses_adapter and self._adapter is not None:
                with_docs = f", with passages from “{kb.name}”" if mode.uses_documents and kb is not None else ""
                box.setToolTip(f"Answer with the fine-tuned adapter {self._adapter.name}{with_docs}.")
            elif mode.uses_documents and kb is not None:
                box.setToolTip(f"Answer with passages from “{kb.name}”.")
            else:
                box.setToolTip("The model answers from what it learned in training alone.")
        self._update_columns()

    def selected_modes(self) -> list[str]:
        return [name for name, box in self.mode_boxes.items() if box.isChecked() and box.isEnabled()]

    def _update_columns(self, shown: set[str] | None = None) -> None:
        """Show the chosen modes' columns (or, for a comparison from the history, the modes it was answered in)."""
        modes = set(self.selected_modes()) if shown is None else shown
        visible = [name for name in self.panes if name in modes or (not modes and name == "plain")]
        for name, pane in self.panes.items():
            pane.setVisible(name in visible)
            pane.set_compact(len(visible) > 2)
        self.sources.setVisible(any(MODES[m].uses_documents for m in modes if m in MODES))

    # -- asking -----------------------------------------------------------------------------------------------

    def ask(self, question: str | None = None) -> None:
        if isinstance(question, str):
            self.question.setPlainText(question)
        text = self.question.toPlainText().strip()
        if self.running or not text:
            if not text:
                self.status.emit("Type a question first.")
            return
        modes = self.selected_modes()
        if not modes:
            self.failed.emit("Choose at least one way to answer (Model only, Model + your documents, or a "
                             "fine-tuned one).")
            return
        ws, kb = self._ws, self._kb  # plain answers are also checked against the same retrieved passages

        def job(cancel: CancelToken, emit: Emit) -> Comparison:
            return ws.ask(text, modes, kb, cancel, emit)

        self.sources.clear()
        for name in modes:
            self.panes[name].start()
        self._asked_at = time.perf_counter()
        worker = Worker(job, "compare")
        worker.event.connect(self._on_event)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(self._on_cancelled)
        worker.ended.connect(self._on_ended)
        self._worker = worker
        self.ask_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.status.emit("Answering…")
        worker.start()

    def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            self.status.emit("Stopping…")

    def _on_event(self, event: object) -> None:
        if isinstance(event, ModeToken):
            self.panes[event.mode].add_text(event.text)
        elif isinstance(event, SourcesFound):
            self.sources.set_sources([s.to_dict() for s in event.sources])
            for name, pane in self.panes.items():
                if event.sources and MODES[name].uses_documents and pane.isVisible():
                    pane.reading(len(event.sources))
        elif isinstance(event, ModeDone):
            self.panes[event.answer.mode].show_answer(event.answer.to_dict())

    def _on_finished(self, comparison: Comparison) -> None:
        data = comparison.to_dict()
        self._last = data
        for pane in self.panes.values():
            pane.stopped()
        stopped = any(a["finish_reason"] == "cancelled" for a in data["answers"])
        self.status.emit("Stopped." if stopped else
                         f"Answered in {time.perf_counter() - self._asked_at:.1f} s with {comparison.model_name}.")
        self._show_first_citation(data)
        self.comparison_finished.emit(data)

    def _show_first_citation(self, data: dict[str, Any]) -> None:
        """Open the passage the documents answer leans on, so the evidence is on screen without a click."""
        from crossroads.evaluation.metrics import check_citations

        rag = next((a for a in data["answers"] if a["mode"] == "rag" and a["sources"]), None)
        if rag is None:
            return
        count = len(rag["sources"])
        cited = [n for n in check_citations(rag["text"], count).cited if 1 <= n <= count]
        supported = [s["source"] for s in rag.get("sentences", []) if s.get("source")]
        rank = (cited or supported or [1])[0]
        self.sources.select(rank)

    def _on_failed(self, message: str) -> None:
        for pane in self.panes.values():
            if pane.isVisible():
                pane.failed(message)
        self.failed.emit(message)

    def _on_cancelled(self) -> None:
        for pane in self.panes.values():
            pane.stopped()
        self.status.emit("Stopped.")

    def _on_ended(self) -> None:
        self._worker = None
        self.ask_button.setEnabled(True)
        self.stop_button.setEnabled(False)

    def _on_citation(self, rank: int) -> None:
        self.sources.select(rank)

    # -- history ----------------------------------------------------------------------------------------------

    def _fill_history(self) -> None:
        self.history_menu.clear()
        kb = self._kb
        entries = self._ws.history(kb).entries() if kb is not None else []
        if not entries:
            action = self.history_menu.addAction("No questions asked in this knowledge base yet")
            action.setEnabled(False)
            return
        for entry in entries[:40]:
            when = datetime.fromtimestamp(entry.created_at).strftime("%d %b %H:%M")
            label = entry.question if len(entry.question) < 70 else entry.question[:67] + "…"
            action = self.history_menu.addAction(f"{when}  {label}")
            action.setToolTip(f"{entry.question}\n{entry.model}")
            action.setData(entry.id)
            action.triggered.connect(self._on_history_action)

    def _on_history_action(self) -> None:
        action = self.sender()
        if action is not None and self._kb is not None:
            self.reopen(int(action.data()))  # type: ignore[attr-defined]

    def reopen(self, entry_id: int) -> None:
        """Show a past comparison exactly as it was answered."""
        if self._kb is None or self.running:
            return
        from crossroads.errors import CrossroadsError

        try:
            data = self._ws.history(self._kb).get(entry_id)
        except CrossroadsError as exc:
            self.failed.emit(exc.message)
            return
        self.show_comparison(data)

    def show_comparison(self, data: dict[str, Any]) -> None:
        self.question.setPlainText(data["question"])
        self.sources.clear()
        shown = {a["mode"] for a in data["answers"]}
        for name, box in self.mode_boxes.items():
            box.blockSignals(True)
            box.setChecked(name in shown)
            box.blockSignals(False)
        self._update_columns(shown & set(self.panes))
        for answer in data["answers"]:
            if answer["mode"] in self.panes:
                self.panes[answer["mode"]].show_answer(answer)
            if answer["sources"]:
                self.sources.set_sources(answer["sources"])
        self._last = data
        when = datetime.fromtimestamp(data.get("created_at") or time.time()).strftime("%d %b %Y %H:%M")
        self.status.emit(f"From the history: asked {when} with {data['model']['name']}.")

    # -- demo -------------------------------------------------------------------------------------------------

    def set_demo(self, questions: list[DemoQuestion]) -> None:
        self._demo = questions
        self._demo_index = -1
        self.demo_bar.setVisible(bool(questions))
        self._show_demo_label()

    def next_demo_question(self) -> None:
        if self._demo and not self.running and self._demo_index < len(self._demo) - 1:
            self._demo_index += 1
            self._ask_demo()

    def previous_demo_question(self) -> None:
        if self._demo and not self.running and self._demo_index > 0:
            self._demo_index -= 1
            self._ask_demo()

    def _ask_demo(self) -> None:
        self._show_demo_label()
        QTimer.singleShot(0, lambda: self.ask(self._demo[self._demo_index].question))

    def _show_demo_label(self) -> None:
        if not self._demo:
            return
        n = self._demo_index + 1
        if n == 0:
            self.demo_label.setText(f"<b>Demo</b> — {len(self._demo)} scripted questions about Brellvik Coffee "
                                    "Systems, a made-up company no model has heard of.")
        else:
            item = self._demo[self._demo_index]
            hint = ("" if item.in_documents else
                    " — <i>not answered by the documents: watch which column makes something up</i>")
            self.demo_label.setText(f"<b>Demo question {n} of {len(self._demo)}</b>{hint}")
        self.demo_prev.setEnabled(self._demo_index > 0)
        self.demo_next.setEnabled(self._demo_index < len(self._demo) - 1)
