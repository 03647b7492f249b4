"""The model bar: what is loaded, and every way to load another (catalog, files found here, recent, Open GGUF…)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from crossroads.models.memory import gigabytes
from crossroads.workspace import ModelSummary

_PLACEHOLDER = "Switch model…"


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


class ModelBar(QWidget):
    model_chosen = Signal(str)  # a catalog name or a GGUF path

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

        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(10)
        text = QWidget()
        column = _vbox(text)
        column.addWidget(self._name)
        column.addWidget(self._detail)
        layout.addWidget(text, 1)
        layout.addWidget(self._busy)
        layout.addWidget(self.choices)
        layout.addWidget(self.open_button)
        self.set_choices([], [], [])

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
        self.choices.setCurrentIndex(0)
        self.choices.blockSignals(False)

    def show_model(self, model: ModelSummary | None) -> None:
        if model is None:
            self._name.setText("No model loaded")
            self._detail.setText("Choose a model to start.")
            return
        name, detail = describe(model)
        self._name.setText(name)
        self._detail.setText(detail)
        self._detail.setToolTip(f"{model.path}\n{detail}")

    def set_loading(self, what: str | None) -> None:
        """Show a busy bar while a model loads; the old one stays usable until the new one is ready."""
        self._busy.setVisible(what is not None)
        self.choices.setEnabled(what is None)
        self.open_button.setEnabled(what is None)
        if what is not None:
            self._busy.setToolTip(f"Loading {what}…")

    def _on_activated(self, index: int) -> None:
        value = self.choices.itemData(index)
        self.choices.setCurrentIndex(0)
        if value:
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
