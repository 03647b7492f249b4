"""The library: knowledge bases (one per client), their documents, and indexing with progress and cancel.

Opening, indexing, removing, renaming and deleting all run on workers; asking questions never waits for them.
Files dropped while an indexing run is busy wait their turn in a queue. Besides the knowledge bases on this
computer, the list offers a team's shared ones on a PostgreSQL server: those opened before are listed by name and
server (their URL is remembered without its password; a password typed this session is kept in memory only).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from crossroads.cancel import CancelToken
from crossroads.store import KnowledgeBase
from crossroads.store.postgres.address import is_server_url, parse_server_url
from crossroads.store.records import IndexEvent, IndexSummary
from crossroads.timetext import clock, time_left
from crossroads.ui.document_table import DocumentTableModel
from crossroads.ui.worker import Emit, Worker
from crossroads.workspace import Workspace, kb_server

_NEW_KB = "New knowledge base…"
_SHARED_KB = "Shared knowledge base on a server…"
_SHARED = "\x00shared"  # the combo's data for that item (None is "New knowledge base…")
EARLIEST_ESTIMATE_S = 2.0  # the first batches include warming up the embedder: no estimate before this


def shared_label(url: str) -> str:
    """How a shared knowledge base is listed: its name and its server, never a password."""
    address = parse_server_url(url)
    return f"{address.kb} — {address.where} (shared)"


def kb_key(kb: KnowledgeBase) -> str:
    """The combo's data for an open knowledge base: its name, or a shared one's URL without the password."""
    return str(kb.path) if kb_server(kb) is not None else kb.name


class LibraryPanel(QWidget):
    kb_changed = Signal(object)  # KnowledgeBase | None
    documents_changed = Signal(object)  # KnowledgeBase, after indexing or removing
    status = Signal(str)
    failed = Signal(str)
    forget_shared = Signal(str)  # a shared knowledge base's URL (no password) to drop from the remembered list

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self._ws = workspace
        self._kb: KnowledgeBase | None = None
        self._index_worker: Worker | None = None
        self._queue: list[Path] = []
        self._forget: list[str] = []  # stored paths to remove before the queued ones are indexed
        self._embedding_began: float | None = None
        self.earliest_estimate_s = EARLIEST_ESTIMATE_S
        self._busy_kb: Worker | None = None
        self._index_started = 0.0
        self._after_open: list[Callable[[KnowledgeBase], None]] = []
        self._recent_shared: list[str] = []  # shared knowledge bases opened before: URLs without passwords
        self._shared_urls: dict[str, str] = {}  # that URL -> the one with this session's password

        title = QLabel("Library")
        title.setObjectName("panelTitle")
        font = title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        title.setFont(font)

        self.kb_combo = QComboBox()
        self.kb_combo.setToolTip("Knowledge bases: one per client or project. Each keeps its documents, index and "
                                 "question history on this computer.")
        self.kb_combo.activated.connect(self._on_kb_activated)
        self.kb_menu = QToolButton()
        self.kb_menu.setText("⋯")
        self.kb_menu.setToolTip("Rename or delete this knowledge base")
        self.kb_menu.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        from PySide6.QtWidgets import QMenu

        menu = QMenu(self.kb_menu)
        self.rename_action = menu.addAction("Rename…", self.rename_kb)
        self.delete_action = menu.addAction("Delete…", self.delete_kb)
        self.forget_action = menu.addAction("Remove from this list", self.forget_shared_kb)
        self.forget_action.setToolTip("Stop listing this shared knowledge base here; it stays on its server.")
        self.kb_menu.setMenu(menu)

        self.model = DocumentTableModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.ResizeToContents)
        header.setMinimumSectionSize(36)
        self.table.setToolTip("")

        self.empty_hint = QLabel("Drop files or folders here, or use Add files…\n"
                                 "PDF, Word, PowerPoint, Excel, CSV, HTML, Markdown and text.")
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setObjectName("hint")

        self.add_files_button = QPushButton("Add files…")
        self.add_files_button.clicked.connect(self._choose_files)
        self.add_folder_button = QPushButton("Add folder…")
        self.add_folder_button.clicked.connect(self._choose_folder)
        self.reindex_button = QPushButton("Re-index")
        self.reindex_button.setToolTip("Read every document again; only files that changed are re-indexed.")
        self.reindex_button.clicked.connect(self.reindex)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Forget the selected documents (the files themselves are not touched).")
        self.remove_button.clicked.connect(self.remove_selected)

        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress_label = QLabel("")
        self.progress_label.setObjectName("muted")
        self.progress_label.setWordWrap(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop indexing; documents already indexed stay.")
        self.cancel_button.clicked.connect(self.cancel_indexing)

        top = QHBoxLayout()
        top.addWidget(self.kb_combo, 1)
        top.addWidget(self.kb_menu)
        buttons = QHBoxLayout()
        for b in (self.add_files_button, self.add_folder_button, self.reindex_button, self.remove_button):
            buttons.addWidget(b)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 6, 10)
        layout.addWidget(title)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_hint)
        layout.addLayout(buttons)
        layout.addLayout(progress_row)
        layout.addWidget(self.progress_label)
        self._set_indexing(False)
        self.refresh_kb_list()

    # -- state ------------------------------------------------------------------------------------------------

    @property
    def knowledge_base(self) -> KnowledgeBase | None:
        return self._kb

    def has_documents(self) -> bool:
        """Whether the open knowledge base has anything to search (from the rows shown, no database call)."""
        return any(r.state in ("indexed", "skipped") and (r.chunks or 0) > 0 for r in self.model.rows())

    @property
    def indexing(self) -> bool:
        return self._index_worker is not None

    @property
    def shared(self) -> bool:
        """Whether the open knowledge base is a team's, on a PostgreSQL server."""
        return kb_server(self._kb) is not None

    def set_recent_shared(self, urls: list[str]) -> None:
        """The shared knowledge bases to list (URLs without passwords), newest first."""
        self._recent_shared = [u for u in urls if is_server_url(u)]
        self.refresh_kb_list()

    def refresh_kb_list(self, select: str | None = None) -> None:
        from crossroads.store.registry import list_kbs

        current = select or (kb_key(self._kb) if self._kb is not None else None)
        self.kb_combo.blockSignals(True)
        self.kb_combo.clear()
        for name in list_kbs():
            self.kb_combo.addItem(name, name)
        shared = list(self._recent_shared)
        if current and is_server_url(current) and current not in shared:
            shared.append(current)
        for url in shared:
            self.kb_combo.addItem(shared_label(url), url)
        if current and self.kb_combo.findData(current) < 0:
            self.kb_combo.addItem(current, current)
        self.kb_combo.addItem(_NEW_KB, None)
        self.kb_combo.addItem(_SHARED_KB, _SHARED)
        if current:
            self.kb_combo.setCurrentIndex(self.kb_combo.findData(current))
        else:
            self.kb_combo.setCurrentIndex(-1)
            self.kb_combo.setPlaceholderText("Choose or create a knowledge base")
        self.kb_combo.blockSignals(False)
        self._update_buttons()

    def _update_buttons(self) -> None:
        has_kb = self._kb is not None
        idle = not self.indexing
        for b in (self.add_files_button, self.add_folder_button):
            b.setEnabled(has_kb)
        self.reindex_button.setEnabled(has_kb and idle and self.model.rowCount() > 0)
        self.remove_button.setEnabled(has_kb and idle and self.model.rowCount() > 0)
        self.kb_menu.setEnabled(has_kb and idle)
        shared = self.shared
        self.rename_action.setEnabled(not shared)
        self.delete_action.setEnabled(not shared)
        self.forget_action.setVisible(shared)
        self.kb_menu.setToolTip("Remove this shared knowledge base from the list (it stays on its server)" if shared
                                else "Rename or delete this knowledge base")
        self.empty_hint.setVisible(has_kb and self.model.rowCount() == 0)

    def _set_indexing(self, on: bool) -> None:
        self.progress.setVisible(on)
        self.cancel_button.setVisible(on)
        self.kb_combo.setEnabled(not on)
        if not on:
            self.progress.setRange(0, 1)
            self.progress.setValue(0)
        self._update_buttons()

    # -- opening knowledge bases ------------------------------------------------------------------------------

    def open_kb(self, name: str, then: Callable[[KnowledgeBase], None] | None = None, create: bool = False) -> None:
        """Open a knowledge base on a worker: a name or folder on this computer (created when new), or a shared
        one's URL (created on its server only when ``create``); ``then`` runs once it is open."""
        if then is not None:
            self._after_open.append(then)
        ws = self._ws
        shared = is_server_url(name)
        if shared:
            shown = parse_server_url(name).display
            if name == shown:
                name = self._shared_urls.get(shown, name)  # with the password typed this session, if any
            else:
                self._shared_urls[shown] = name

        def job(cancel: CancelToken, emit: Emit) -> tuple[KnowledgeBase, list[Any]]:
            kb = ws.open_kb(name, create=create or not shared)
            return kb, kb.documents()

        label = shared_label(name) if shared else name
        self.status.emit(f"Opening {label}…")
        self._start(job, "open-kb", self._on_opened, on_failed=self._on_open_failed)

    def _on_open_failed(self, message: str) -> None:
        self._after_open.clear()
        self.refresh_kb_list()  # the list shows the knowledge base still open, not the one that failed
        self.failed.emit(message)

    def _on_kb_activated(self, index: int) -> None:
        key = self.kb_combo.itemData(index)
        if key is None:
            self.create_kb()
        elif key == _SHARED:
            self.choose_shared_kb()
        elif self._kb is None or key != kb_key(self._kb):
            self.open_kb(str(key))

    def choose_shared_kb(self) -> None:
        """Ask for a shared knowledge base (server, password, name) and open it; not while indexing, which writes
        to the knowledge base that is open."""
        from crossroads.ui.shared_kb_dialog import SharedKbDialog

        if self.indexing:
            self.status.emit("Wait until indexing ends (or cancel it), then open the shared knowledge base.")
            return

        server = ""
        if self._recent_shared:
            last = urlsplit(self._recent_shared[0])
            server = urlunsplit((last.scheme, last.netloc, last.path, "", ""))
        dialog = SharedKbDialog(server=server, parent=self)
        if dialog.exec() != SharedKbDialog.DialogCode.Accepted:
            self.refresh_kb_list()
            return
        url, create = dialog.choice()
        self.open_kb(url, create=create)

    def forget_shared_kb(self) -> None:
        """Stop listing the open shared knowledge base; it stays on its server and is closed here."""
        kb = self._kb
        if kb is None or not self.shared or self.indexing:
            return
        key = kb_key(kb)
        self._recent_shared = [u for u in self._recent_shared if u != key]
        self._shared_urls.pop(key, None)
        self._ws.close_kb(kb)
        self._kb = None
        self.model.set_documents([])
        self.refresh_kb_list()
        self.forget_shared.emit(key)
        self.kb_changed.emit(None)

    def _on_opened(self, result: tuple[KnowledgeBase, list[Any]]) -> None:
        kb, documents = result
        self._kb = kb
        self.model.set_documents(documents)
        self.refresh_kb_list(select=kb_key(kb))
        where = f" on {kb_server(kb)}" if kb_server(kb) is not None else ""
        self.status.emit(f"Knowledge base “{kb.name}”{where}: {len(documents)} documents")
        self.kb_changed.emit(kb)
        callbacks, self._after_open = self._after_open, []
        for callback in callbacks:
            callback(kb)

    def create_kb(self) -> None:
        name, ok = QInputDialog.getText(self, "New knowledge base", "Name (for example the client's name):")
        if not ok or not name.strip():
            self.refresh_kb_list()
            return
        from crossroads.errors import InputError
        from crossroads.store.registry import check_name

        try:
            check_name(name)
        except InputError as exc:
            self.failed.emit(exc.message)
            self.refresh_kb_list()
            return
        self.open_kb(name.strip())

    def rename_kb(self) -> None:
        kb = self._kb
        if kb is None or self.indexing or self.shared:
            return
        new, ok = QInputDialog.getText(self, "Rename knowledge base", "New name:", text=kb.name)
        if not ok or not new.strip() or new.strip() == kb.name:
            return
        ws = self._ws

        def job(cancel: CancelToken, emit: Emit) -> tuple[KnowledgeBase, list[Any]]:
            from crossroads.store.registry import rename_kb

            ws.close_kb(kb)
            try:
                rename_kb(kb.name, new.strip())
            except BaseException:
                ws.open_kb(kb.name)  # nothing renamed: keep working on the old one
                raise
            reopened = ws.open_kb(new.strip())
            return reopened, reopened.documents()

        self._start(job, "rename-kb", self._on_opened, on_failed=self._reopen_after_failure)

    def delete_kb(self) -> None:
        kb = self._kb
        if kb is None or self.indexing or self.shared:
            return
        answer = QMessageBox.question(
            self, "Delete knowledge base",
            f"Delete the knowledge base “{kb.name}” with its index and question history?\n\n"
            "Your documents themselves are not touched.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        ws = self._ws

        def job(cancel: CancelToken, emit: Emit) -> str:
            from crossroads.store.registry import delete_kb

            ws.close_kb(kb)
            delete_kb(kb.name)
            return kb.name

        self._start(job, "delete-kb", self._on_deleted, on_failed=self._reopen_after_failure)

    def _on_deleted(self, name: str) -> None:
        self._kb = None
        self.model.set_documents([])
        self.refresh_kb_list()
        self.status.emit(f"Deleted “{name}”.")
        self.kb_changed.emit(None)

    def _reopen_after_failure(self, message: str) -> None:
        self.failed.emit(message)
        if self._kb is not None:
            self.open_kb(self._kb.name)

    # -- indexing ---------------------------------------------------------------------------------------------

    def add_paths(self, paths: list[Path], forget: Sequence[str] = ()) -> None:
        """Index files/folders into the open knowledge base (queued if a run is going); the documents ``forget``
        names (stored paths) are removed first, in the same run."""
        if self._kb is None:
            self.failed.emit("Choose or create a knowledge base first, then add documents to it.")
            return
        self._queue.extend(paths)
        self._forget.extend(forget)
        if not self.indexing:
            self._start_indexing()

    def reindex(self) -> None:
        paths = [Path(r.key) for r in self.model.rows()]
        missing = [p for p in paths if not p.exists()]
        if missing:
            self.status.emit(f"{len(missing)} document(s) no longer exist where they were indexed from.")
        self.add_paths([p for p in paths if p.exists()])

    def _start_indexing(self) -> None:
        kb, paths, self._queue = self._kb, self._queue, []
        forget, self._forget = self._forget, []
        if kb is None or not paths:
            return
        ws = self._ws

        def job(cancel: CancelToken, emit: Emit) -> IndexSummary:
            for key in forget:
                kb.remove(key)
            return ws.index(kb, paths, cancel, emit)

        self._index_started = time.monotonic()
        self.progress.setRange(0, 0)
        self.progress.setFormat("Preparing…")
        self.progress_label.setText("")
        self._index_worker = self._start(job, "index", self._on_indexed, on_event=self._on_index_event,
                                         on_failed=self._on_index_failed, on_cancelled=self._on_index_cancelled,
                                         on_ended=self._on_index_ended)
        self._set_indexing(True)

    def cancel_indexing(self) -> None:
        if self._index_worker is not None:
            self._index_worker.cancel()
            self._queue.clear()
            self.progress.setFormat("Stopping…")

    def _on_index_event(self, event: IndexEvent) -> None:
        self.model.apply(event)
        if event.kind == "queued":
            self.progress.setRange(0, max(1, event.total))
            self.progress.setValue(0)
            self.progress.setFormat(f"0 of {event.total} files")
        elif event.kind == "progress":
            self.progress.setRange(0, max(1, event.total))
            self.progress.setValue(event.done)
            self.progress.setFormat(f"{event.done} of {event.total} files")
        elif event.kind == "reading" and event.path is not None:
            self.progress_label.setText(f"Reading {event.path.name}")
        elif event.kind == "embedding":
            self.progress_label.setText(self._embedding_text(event.done, event.total))
        elif event.kind == "failed" and event.path is not None:
            self.progress_label.setText(f"{event.path.name}: {event.message}")
        self._update_buttons()

    def _embedding_text(self, done: int, total: int) -> str:
        """ "Embedding passages: 120 of 980 · about 1:05 left": embedding is nearly all of indexing's time, and a
        260-page manual takes a minute or more on a laptop, so the user can judge whether to wait or ask now."""
        now = time.monotonic()
        if done == 0 or self._embedding_began is None:
            self._embedding_began = now
        text = f"Embedding passages: {done} of {total}"
        elapsed = now - self._embedding_began
        left = time_left(elapsed, done, total) if elapsed >= self.earliest_estimate_s else None
        return text + (f" · about {clock(left)} left" if left is not None else "")

    def _on_indexed(self, summary: IndexSummary) -> None:
        parts = [f"{summary.indexed} indexed", f"{summary.skipped} unchanged"]
        if summary.failed:
            parts.append(f"{summary.failed} could not be read")
        self.progress_label.setText(", ".join(parts) + f" in {summary.seconds:.1f} s.")
        self.status.emit("Indexing finished: " + ", ".join(parts) + ".")

    def _on_index_failed(self, message: str) -> None:
        self.progress_label.setText(message)
        self.failed.emit(message)

    def _on_index_cancelled(self) -> None:
        self.progress_label.setText("Indexing stopped. The documents indexed so far are kept.")
        self.status.emit("Indexing stopped.")

    def _on_index_ended(self) -> None:
        self._index_worker = None
        self._set_indexing(False)
        self._reload_documents()
        if self._queue:
            self._start_indexing()

    def _reload_documents(self) -> None:
        kb = self._kb
        if kb is None:
            return

        def job(cancel: CancelToken, emit: Emit) -> tuple[KnowledgeBase, list[Any]]:
            return kb, kb.documents()

        self._start(job, "documents", self._on_documents)

    def _on_documents(self, result: tuple[KnowledgeBase, list[Any]]) -> None:
        kb, documents = result
        if kb is not self._kb:
            return
        self.model.set_documents(documents)
        self._update_buttons()
        self.documents_changed.emit(kb)

    def remove_selected(self) -> None:
        kb = self._kb
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        if kb is None or not rows or self.indexing:
            return
        keys = [self.model.row_at(r).key for r in rows]

        def job(cancel: CancelToken, emit: Emit) -> int:
            return sum(kb.remove(key) for key in keys)

        self._start(job, "remove", self._on_removed)

    def _on_removed(self, count: int) -> None:
        self.status.emit(f"Removed {count} document(s).")
        self._reload_documents()

    # -- files in -------------------------------------------------------------------------------------------

    def _choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self, "Add documents", str(Path.home()),
            "Documents (*.pdf *.docx *.pptx *.xlsx *.csv *.html *.htm *.md *.markdown *.txt);;All files (*)",
        )
        if files:
            self.add_paths([Path(f) for f in files])

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder of documents", str(Path.home()))
        if folder:
            self.add_paths([Path(folder)])

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        documents = [p for p in paths if p.suffix.lower() != ".gguf"]
        if documents:
            self.add_paths(documents)
            event.acceptProposedAction()

    def _report_failure(self, message: str) -> None:
        self.failed.emit(message)

    # -- workers ----------------------------------------------------------------------------------------------

    def _start(self, job: Any, name: str, on_finished: Callable[[Any], None], *,
               on_event: Callable[[Any], None] | None = None,
               on_failed: Callable[[str], None] | None = None,
               on_cancelled: Callable[[], None] | None = None,
               on_ended: Callable[[], None] | None = None) -> Worker:
        worker = Worker(job, name)
        worker.finished.connect(on_finished)
        worker.failed.connect(on_failed or self._report_failure)
        if on_event is not None:
            worker.event.connect(on_event)
        if on_cancelled is not None:
            worker.cancelled.connect(on_cancelled)
        if on_ended is not None:
            worker.ended.connect(on_ended)
        worker.start()
        return worker
