"""Settings: generation and indexing choices, each with what it does in plain words; reset to defaults."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from crossroads.config import Settings
from crossroads.errors import InputError
from crossroads.workspace import settings_with


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, embedding_models: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self._result: Settings | None = None
        self.threads = QSpinBox()
        self.threads.setRange(0, 64)
        self.threads.setSpecialValueText("automatic")
        self.threads.setToolTip("CPU threads the model uses. Automatic picks the number of physical cores "
                                "(at most 8). Changing it reloads the model.")
        self.context = QSpinBox()
        self.context.setRange(256, 131072)
        self.context.setSingleStep(512)
        self.context.setSuffix(" tokens")
        self.context.setToolTip("How much text the model can consider at once: question, passages and answer. "
                                "Larger needs more memory. Changing it reloads the model.")
        self.temperature = QDoubleSpinBox()
        self.temperature.setRange(0.0, 2.0)
        self.temperature.setSingleStep(0.1)
        self.temperature.setDecimals(2)
        self.temperature.setToolTip("0 gives the same answer every time (best for comparing). Higher values make "
                                    "answers more varied.")
        self.max_tokens = QSpinBox()
        self.max_tokens.setRange(1, 8192)
        self.max_tokens.setSuffix(" tokens")
        self.max_tokens.setToolTip("The longest answer a column may write.")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip("With a temperature above 0, the same seed repeats the same answer.")
        self.top_k = QSpinBox()
        self.top_k.setRange(1, 20)
        self.top_k.setToolTip("How many passages from your documents are given to the model with each question.")
        self.chunk_tokens = QSpinBox()
        self.chunk_tokens.setRange(32, 510)
        self.chunk_tokens.setSuffix(" tokens")
        self.chunk_tokens.setToolTip("Size of the passages documents are cut into. Applies to documents indexed "
                                     "from now on; use Re-index to apply it to the others.")
        self.chunk_overlap = QSpinBox()
        self.chunk_overlap.setRange(0, 256)
        self.chunk_overlap.setSuffix(" tokens")
        self.chunk_overlap.setToolTip("How much consecutive passages share, so no sentence is cut off from its "
                                      "neighbours.")
        self.embedding = QComboBox()
        self.embedding.setEditable(True)
        self.embedding.addItems(embedding_models)
        self.embedding.setToolTip("The model that turns passages into vectors for new knowledge bases: a catalog "
                                  "name or the folder of a sentence-transformers model. A knowledge base keeps "
                                  "the model it was built with.")

        model_box = QGroupBox("Model")
        form = QFormLayout(model_box)
        form.addRow("Threads", self.threads)
        form.addRow("Context size", self.context)
        form.addRow("Temperature", self.temperature)
        form.addRow("Max tokens", self.max_tokens)
        form.addRow("Seed", self.seed)
        docs_box = QGroupBox("Documents")
        form2 = QFormLayout(docs_box)
        form2.addRow("Passages per question", self.top_k)
        form2.addRow("Passage size", self.chunk_tokens)
        form2.addRow("Passage overlap", self.chunk_overlap)
        form2.addRow("Embedding model", self.embedding)
        self.error = QLabel("")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c0392b;")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(self.restore_defaults)
        layout = QVBoxLayout(self)
        layout.addWidget(model_box)
        layout.addWidget(docs_box)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.show_settings(settings)

    def show_settings(self, s: Settings) -> None:
        self.threads.setValue(s.threads)
        self.context.setValue(s.context_size)
        self.temperature.setValue(s.temperature)
        self.max_tokens.setValue(s.max_tokens)
        self.seed.setValue(s.seed)
        self.top_k.setValue(s.top_k)
        self.chunk_tokens.setValue(s.chunk_tokens)
        self.chunk_overlap.setValue(s.chunk_overlap)
        self.embedding.setCurrentText(s.embedding_model)

    def restore_defaults(self) -> None:
        self.show_settings(Settings())
        self.error.setText("")

    def chosen(self) -> Settings:
        """The settings shown, checked; raises InputError naming what is wrong."""
        return settings_with(
            Settings(), threads=self.threads.value(), context_size=self.context.value(),
            temperature=round(self.temperature.value(), 2), max_tokens=self.max_tokens.value(),
            seed=self.seed.value(), top_k=self.top_k.value(), chunk_tokens=self.chunk_tokens.value(),
            chunk_overlap=self.chunk_overlap.value(), embedding_model=self.embedding.currentText().strip(),
        )

    def accept(self) -> None:
        try:
            self._result = self.chosen()
        except InputError as exc:
            self.error.setText(exc.message)
            return
        super().accept()

    def result_settings(self) -> Settings | None:
        return self._result
