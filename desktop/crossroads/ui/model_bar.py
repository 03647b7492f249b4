"""The model bar: what is loaded, and every way to load another (catalog, files found here, recent, Open GGUF…).

It also shows the fine-tuned adapter applied on top of the model, if any, and offers to open or remove one; the
window does the loading on a worker, through the workspace. "Use a model server…" (last in the list, and in the
File menu) asks the window for the server dialog; a served model shows its server instead of file facts.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from crossroads.models.memory import gigabytes
from crossroads.workspace import AdapterSummary, ModelSummary, ServerSummary, no_adapter_with_server

_PLACEHOLDER = "Switch model…"
_USE_SERVER = "::use-a-model-server"  # the list item that opens the server dialog (no model or path reads so)
USE_SERVER_TEXT = "Use a model server…"
NO_ADAPTER_TIP = ("No fine-tuned adapter: the Fine-tuned columns are off. Open a GGUF LoRA adapter trained for this "
                  "model, or a whole GGUF fine-tuned from it elsewhere, to compare the fine-tuned model with the "
                  "others.")


def describe(model: ModelSummary) -> tuple[str, str]:
    """Headline and detail line for a loaded model."""
    parts = [model.architecture]
    if model.parameters:
        parts.append(f"{model.parameters / 1e9:.2f} B parameters" if model.parameters >= 1e9
                     else f"{model.parameters / 1e6:.0f} M parameters")
    if model.quantisation:
        parts.append(model.quantisation)
    parts.append(gigabytes(model.file_size))
    trained = f" of {model.trained_context:,}" if model.trained_context else ""
    parts.append(f"context {model.context_size:,}{trained} tokens")
    parts.append(f"{model.threads} threads")
    return model.name, " · ".join(parts)


def describe_server(server: ServerSummary) -> tuple[str, str]:
    """Headline and detail line for a served model: where it runs, said first."""
    where = (f"served by this computer's server at {server.address}" if server.on_this_computer
             else f"served by {server.address}")
    return server.name, f"{where} · context {server.context_size:,} tokens · questions and passages are sent there"


class ModelBar(QWidget):
    model_chosen = Signal(str)  # a catalog name or a GGUF path
    adapter_chosen = Signal(str)  # a GGUF LoRA adapter file
    adapter_removed = Signal()
    server_requested = Signal()  # "Use a model server…"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modelBar")
        self._name = QLabel("No model loaded")
        self._name.setObjectName("modelName")
        font = self._name.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self._name.setFont(font)
        self._detail = QLabel("Choose a model to start.")
        self._detail.setObjectName("modelDetail")
        self._detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._detail.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._busy = QProgressBar()
        self._busy.setRange(0, 0)
        self._busy.setMaximumWidth(140)
        self._busy.setTextVisible(False)
        self._busy.hide()

        self.choices = QComboBox()
        self.choices.setMinimumWidth(260)
        self.choices.setToolTip("Models from the Crossroads catalog, GGUF files found on this computer "
                                "(LM Studio, GPT4All, Jan, Ollama, Downloads…) and models you opened recently.")
        self.choices.activated.connect(self._on_activated)
        self.open_button = QPushButton("Open GGUF…")
        self.open_button.setToolTip("Load any GGUF model file from disk (you can also drop a .gguf on the window).")
        self.open_button.clicked.connect(self._open_file)

        self.adapter_label = QLabel("")
        self.adapter_label.setObjectName("adapterName")
        self.adapter_label.hide()
        self.adapter_button = QToolButton()
        self.adapter_button.setText("Fine-tuned adapter")
        self.adapter_button.setToolTip(NO_ADAPTER_TIP)
        self.adapter_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.adapter_button)
        self.open_adapter_action = menu.addAction("Open fine-tuned adapter or model…")
        self.open_adapter_action.triggered.connect(self.open_adapter)
        self.remove_adapter_action = menu.addAction("Remove the fine-tuned model")
        self.remove_adapter_action.triggered.connect(self.adapter_removed)
        self.open_adapter_action.setEnabled(False)  # an adapter is trained for a model: load the model first
        self.remove_adapter_action.setEnabled(False)
        self.adapter_button.setMenu(menu)
        self.use_server_action = QAction(USE_SERVER_TEXT, self)
        self.use_server_action.setToolTip("Answer with a model on an OpenAI-compatible server (llama.cpp's server, "
                                          "vLLM, Ollama, LM Studio) instead of on this computer.")
        self.use_server_action.triggered.connect(self.server_requested)
        self._server: ServerSummary | None = None
        self._has_model = False
        self._has_adapter = False
        self._loading = False

        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(10)
        text = QWidget()
        column = _vbox(text)
        headline = QHBoxLayout()
        headline.setSpacing(8)
        headline.addWidget(self._name)
        headline.addWidget(self.adapter_label)
        headline.addStretch(1)
        column.addLayout(headline)
        column.addWidget(self._detail)
        layout.addWidget(text, 1)
        layout.addWidget(self._busy)
        layout.addWidget(self.choices)
        layout.addWidget(self.open_button)
        layout.addWidget(self.adapter_button)
        self.set_choices([], [], [])
        self.show_adapter(None)

    def set_choices(self, catalog: list[tuple[str, str]], found: list[Path], recent: list[str]) -> None:
        """catalog: (name, display name) of pulled chat models; found: GGUF files on this machine."""
        self.choices.blockSignals(True)
        self.choices.clear()
        self.choices.addItem(_PLACEHOLDER, None)
        seen: set[str] = set()

        def section(title: str) -> None:
            self.choices.addItem(title, None)
            index = self.choices.count() - 1
            item = self.choices.model().item(index)  # type: ignore[attr-defined]
            item.setEnabled(False)

        if catalog:
            section("— Bundled —")
            for name, display in catalog:
                self.choices.addItem(display, name)
                seen.add(name)
        recent_paths = [r for r in recent if r not in seen]
        if recent_paths:
            section("— Recent —")
            for item in recent_paths:
                self.choices.addItem(Path(item).name, item)
                self.choices.setItemData(self.choices.count() - 1, item, Qt.ItemDataRole.ToolTipRole)
                seen.add(item)
        others = [p for p in found if str(p) not in seen]
        if others:
            section("— Found on this computer —")
            for path in others:
                self.choices.addItem(path.name, str(path))
                self.choices.setItemData(self.choices.count() - 1, str(path), Qt.ItemDataRole.ToolTipRole)
        section("— Model server —")
        self.choices.addItem(USE_SERVER_TEXT, _USE_SERVER)
        self.choices.setItemData(self.choices.count() - 1, self.use_server_action.toolTip(),
                                 Qt.ItemDataRole.ToolTipRole)
        self.choices.setCurrentIndex(0)
        self.choices.blockSignals(False)

    def show_model(self, model: ModelSummary | None) -> None:
        self._has_model = model is not None
        self._server = None
        self._sync_actions()
        if model is None:
            self._name.setText("No model loaded")
            self._detail.setText("Choose a model to start.")
            return
        name, detail = describe(model)
        self._name.setText(name)
        self._detail.setText(detail)
        self._detail.setToolTip(f"{model.path}\n{detail}")

    def show_server(self, server: ServerSummary) -> None:
        """A served model: its name, and where the questions go; the fine-tuned adapter is off (it is local)."""
        self._server = server
        self._has_model = False
        self._sync_actions()
        name, detail = describe_server(server)
        self._name.setText(name)
        self._detail.setText(detail)
        self._detail.setToolTip(f"{server.base_url} (model {server.name})")
        self.adapter_button.setToolTip(no_adapter_with_server(server))

    @property
    def server(self) -> ServerSummary | None:
        return self._server

    def show_adapter(self, adapter: AdapterSummary | None) -> None:
        """The fine-tuned adapter on top of the model, as a tag beside its name; nothing when there is none."""
        self._has_adapter = adapter is not None
        self._sync_actions()
        if adapter is None:
            self.adapter_label.hide()
            self.adapter_label.setText("")
            self.adapter_button.setToolTip(no_adapter_with_server(self._server) if self._server is not None
                                           else NO_ADAPTER_TIP)
            return
        self.adapter_label.setText(f"+ fine-tuned: {adapter.name}")
        if adapter.path is None:
            where = self._server.address if self._server is not None else "the server"
            self.adapter_label.setToolTip(f"The Fine-tuned columns are answered by {adapter.name}, the model the "
                                          f"server at {where} serves with its adapter applied.")
        else:
            what = "LoRA adapter applied" if adapter.kind == "adapter" else "Whole fine-tuned model loaded beside it"
            self.adapter_label.setToolTip(f"{what} for the Fine-tuned columns:\n{adapter.path}\n"
                                          f"{gigabytes(adapter.file_size)}")
        self.adapter_label.setStyleSheet("padding: 1px 6px; border: 1px solid palette(mid); border-radius: 3px;")
        self.adapter_label.show()
        self.adapter_button.setToolTip(f"Fine-tuned adapter: {adapter.name}. Open another, or remove it.")

    def adapter_name(self) -> str:
        return self.adapter_label.text()

    def set_loading(self, what: str | None) -> None:
        """Show a busy bar while a model or adapter loads; the old one stays usable until the new one is ready."""
        self._busy.setVisible(what is not None)
        self.choices.setEnabled(what is None)
        self.open_button.setEnabled(what is None)
        self.adapter_button.setEnabled(what is None)
        self.use_server_action.setEnabled(what is None)
        self._loading = what is not None
        self._sync_actions()
        if what is not None:
            self._busy.setToolTip(f"Loading {what}…")

    def _sync_actions(self) -> None:
        """Open needs a loaded model, Remove a loaded adapter; neither while a model or adapter is loading."""
        self.open_adapter_action.setEnabled(self._has_model and not self._loading)
        self.remove_adapter_action.setEnabled(self._has_adapter and not self._loading)

    def open_adapter(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a fine-tuned adapter or model (GGUF)", str(Path.home()),
                                              "GGUF adapters and models (*.gguf);;All files (*)")
        if path:
            self.adapter_chosen.emit(path)

    def _on_activated(self, index: int) -> None:
        value = self.choices.itemData(index)
        self.choices.setCurrentIndex(0)
        if value == _USE_SERVER:
            self.server_requested.emit()
        elif value:
            self.model_chosen.emit(str(value))

    def _open_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a GGUF model", str(Path.home()),
                                              "GGUF models (*.gguf);;All files (*)")
        if path:
            self.model_chosen.emit(path)


def _vbox(parent: QWidget) -> QVBoxLayout:
    layout = QVBoxLayout(parent)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    return layout
