"""The kept adapters: what each was trained for and how well, with Use in Compare, Rename and Delete, and Import for
an adapter trained elsewhere (a GPU trainer's PEFT output folder, or a GGUF adapter)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QMenu,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crossroads.finetune.parity import verdict_cell, verdict_text
from crossroads.finetune.runs import AdapterRun
from crossroads.timetext import duration

HEADERS = ("Name", "Steps", "Held-out loss", "Time", "Verified")
HEADER_TIPS = (
    "The adapter's name; it lives beside your knowledge bases with a record of how it was made (point at a name "
    "for the model it was trained for: it is refused on any other).",
    "Optimizer steps trained.",
    "The best loss on the held-out examples (lower is better).",
    "How long the whole run took, conversion and check included.",
    "Whether llama.cpp with the adapter reproduces the trained model on the check questions; in brackets how "
    "closely the adapter's effect on the next-token scores agrees (1.00 = exactly).",
)


def loss_text(loss: float | None) -> str:
    return f"{loss:.3f}" if loss is not None else "—"


class AdapterList(QWidget):
    use_requested = Signal(str)  # adapter name
    rename_requested = Signal(str, str)
    delete_requested = Signal(str)
    import_requested = Signal(str, str)  # a PEFT folder or a .gguf, the name to keep it under

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        for column, tip in enumerate(HEADER_TIPS):
            self.table.horizontalHeaderItem(column).setToolTip(tip)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        # Always room for the header and two rows: the result text above can run to several lines, and a list
        # squeezed to its header hides the adapter just trained.
        self.table.setMinimumHeight(header.sizeHint().height() + 2 * self.table.verticalHeader().defaultSectionSize()
                                    + 2 * self.table.frameWidth() + 4)
        self.use_button = QPushButton("Use in Compare")
        self.use_button.setToolTip("Load the chosen adapter on the loaded model and answer with it in Compare.")
        self.rename_button = QPushButton("Rename…")
        self.delete_button = QPushButton("Delete…")
        self.import_button = QPushButton("Import a trained adapter…")
        self.import_button.setToolTip("Keep an adapter trained on a GPU box (Axolotl, LLaMA-Factory…) for the loaded "
                                      "model: the trainer's output folder or a GGUF adapter. It is converted and "
                                      "checked against the model, then listed here.")
        menu = QMenu(self.import_button)
        self.import_folder_action = menu.addAction("Trainer's output folder (PEFT)…")
        self.import_gguf_action = menu.addAction("GGUF adapter file…")
        self.import_button.setMenu(menu)
        buttons = QHBoxLayout()
        buttons.addWidget(self.use_button)
        buttons.addWidget(self.import_button)
        buttons.addStretch(1)
        buttons.addWidget(self.rename_button)
        buttons.addWidget(self.delete_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.use_button.clicked.connect(self._use)
        self.rename_button.clicked.connect(self._rename)
        self.delete_button.clicked.connect(self._delete)
        self.import_folder_action.triggered.connect(self._import_folder)
        self.import_gguf_action.triggered.connect(self._import_gguf)
        self.table.itemSelectionChanged.connect(self._update)
        self.table.itemDoubleClicked.connect(lambda _item: self._use())
        self._runs: list[AdapterRun] = []
        self._update()

    def show_runs(self, runs: Sequence[AdapterRun], select: str | None = None) -> None:
        chosen = select or self.selected()
        self._runs = list(runs)
        self.table.setRowCount(len(self._runs))
        for row, run in enumerate(self._runs):
            m = run.manifest
            cells = (run.name, str(m.steps), loss_text(m.best_eval_loss), duration(m.seconds),
                     verdict_cell(m.verified, m.parity))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column in (1, 2, 3):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
            self.table.item(row, 4).setToolTip(verdict_text(m.verified, m.parity))
            self.table.item(row, 0).setToolTip(f"Trained for {m.base_model} on {m.created[:16].replace('T', ' ')}"
                                               f"\n{run.adapter_path}")
        names = [r.name for r in self._runs]
        if chosen in names:
            self.table.selectRow(names.index(chosen))
        self._update()

    def names(self) -> list[str]:
        return [r.name for r in self._runs]

    def selected(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self._runs[rows[0].row()].name if rows and rows[0].row() < len(self._runs) else None

    def select(self, name: str) -> None:
        if name in self.names():
            self.table.selectRow(self.names().index(name))

    def _use(self) -> None:
        if (name := self.selected()) is not None:
            self.use_requested.emit(name)

    def _rename(self) -> None:
        name = self.selected()
        if name is None:
            return
        new, ok = QInputDialog.getText(self, "Rename the adapter", "New name:", text=name)
        if ok and new.strip() and new.strip() != name:
            self.rename_requested.emit(name, new.strip())

    def _delete(self) -> None:
        name = self.selected()
        if name is None:
            return
        answer = QMessageBox.question(self, "Delete the adapter",
                                      f"Delete the adapter “{name}” and its training record? This cannot be undone.")
        if answer == QMessageBox.StandardButton.Yes:
            self.delete_requested.emit(name)

    def _import_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "The trainer's output folder (adapter_config.json and "
                                                  "adapter_model.safetensors)", str(Path.home()))
        if folder:
            self._ask_name(Path(folder))

    def _import_gguf(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "A GGUF adapter", str(Path.home()),
                                              "GGUF adapters (*.gguf);;All files (*)")
        if path:
            self._ask_name(Path(path))

    def _ask_name(self, source: Path) -> None:
        from crossroads.finetune.dataset import default_name
        from crossroads.finetune.session import taken_names

        suggested = default_name(source.stem if source.is_file() else source.name, taken_names())
        name, ok = QInputDialog.getText(self, "Import the adapter", "Keep it under the name:", text=suggested)
        if ok and name.strip():
            self.import_requested.emit(str(source), name.strip())

    def _update(self) -> None:
        has = self.selected() is not None
        for button in (self.use_button, self.rename_button, self.delete_button):
            button.setEnabled(has)
