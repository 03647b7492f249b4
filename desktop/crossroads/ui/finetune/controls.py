"""The left column's two forms: which data to train on, and the run's settings. Values only; no work is done here."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from crossroads.finetune.dataset import AUTO, DataChoice
from crossroads.finetune.plan import TrainSettings


class DataForm(QGroupBox):
    """Sources: the model's questions about the passages, the user's Q&A file, the passages' text, general ones."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("1. Training data", parent)
        self.generated = QCheckBox("Questions written from your documents")
        self.generated.setChecked(True)
        self.generated.setToolTip("The loaded model reads each passage of the open knowledge base and writes several "
                                  "differently worded questions with their answers (the published recipe for teaching "
                                  "facts). Pairs the passage does not support are dropped. It uses the model already "
                                  "loaded (no second copy in memory): a question asked in Compare meanwhile waits "
                                  "for the current passage.")
        self.per_passage = QSpinBox()
        self.per_passage.setRange(1, 10)
        self.per_passage.setValue(4)
        self.per_passage.setSuffix(" per passage")
        self.per_passage.setToolTip("Questions asked per passage. More paraphrases teach a fact better but take "
                                    "longer.")
        self.use_file = QCheckBox("Your own Q&&A file")
        self.use_file.setToolTip("Question-answer pairs in CSV or JSONL, like an Evaluate question set with answers.")
        self.choose_file = QPushButton("Choose…")
        self.file_label = QLabel("No file chosen")
        self.file_label.setWordWrap(True)
        self.passages = QCheckBox("The documents' own text")
        self.passages.setToolTip("Each passage as plain text (continued pre-training): the model reads the wording, "
                                 "without questions.")
        self.general = QSpinBox()
        self.general.setRange(AUTO, 100)
        self.general.setValue(AUTO)
        self.general.setSpecialValueText("About a fifth")
        self.general.setToolTip("The model's own answers to everyday questions, mixed in so it keeps answering other "
                                "questions as before. 0 for none.")
        self.held_out = QSpinBox()
        self.held_out.setRange(0, 50)
        self.held_out.setValue(15)
        self.held_out.setSuffix(" %")
        self.held_out.setToolTip("Examples kept aside and never trained on: their loss shows whether the model "
                                 "learns or only memorises, and stops the run early when it stops improving.")
        self.prepare_button = QPushButton("Prepare data")
        self.prepare_button.setToolTip("Build the examples from the chosen sources, for review before training.")
        self.cancel_button = QPushButton("Cancel")
        self._file: Path | None = None

        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(self.generated, 1)
        layout.addLayout(row)
        per = QHBoxLayout()
        per.addSpacing(22)
        per.addWidget(self.per_passage)
        per.addStretch(1)
        layout.addLayout(per)
        file_row = QHBoxLayout()
        file_row.addWidget(self.use_file, 1)
        file_row.addWidget(self.choose_file)
        layout.addLayout(file_row)
        name_row = QHBoxLayout()
        name_row.addSpacing(22)
        name_row.addWidget(self.file_label, 1)
        layout.addLayout(name_row)
        layout.addWidget(self.passages)
        form = QFormLayout()
        form.addRow("General examples:", self.general)
        form.addRow("Held out:", self.held_out)
        layout.addLayout(form)
        buttons = QHBoxLayout()
        buttons.addWidget(self.prepare_button)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)

        self.choose_file.clicked.connect(self._choose)
        for box in (self.generated, self.use_file, self.passages):
            box.toggled.connect(self._update)
        self._update()

    @property
    def qa_file(self) -> Path | None:
        return self._file

    def set_qa_file(self, path: Path | None) -> None:
        self._file = Path(path) if path is not None else None
        self.file_label.setText(self._file.name if self._file else "No file chosen")
        self.file_label.setToolTip(str(self._file) if self._file else "")
        self.use_file.setChecked(self._file is not None)
        self._update()

    def choice(self) -> DataChoice:
        return DataChoice(
            generated=self.generated.isChecked(), per_passage=self.per_passage.value(),
            qa_file=self._file if self.use_file.isChecked() else None, passages=self.passages.isChecked(),
            general=self.general.value(), validation_share=self.held_out.value() / 100,
        )

    def _choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose question-answer pairs", str(Path.home()),
                                              "Question-answer pairs (*.jsonl *.csv);;All files (*)")
        if path:
            self.set_qa_file(Path(path))

    def _update(self) -> None:
        self.per_passage.setEnabled(self.generated.isChecked())
        self.changed.emit()


class SettingsForm(QGroupBox):
    """The run: its name, length and LoRA settings; the estimate is shown by the panel below these."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("2. Settings", parent)
        defaults = TrainSettings()
        self.name = QLineEdit()
        self.name.setPlaceholderText("adapter name")
        self.name.setToolTip("The kept adapter's name (letters, digits, spaces, - or _). It must be new.")
        self.steps = QSpinBox()
        self.steps.setRange(0, 100_000)
        self.steps.setSpecialValueText("From the epochs")
        self.steps.setToolTip("Optimizer steps (each one 4 examples). 0 works it out from the epochs.")
        self.epochs = QDoubleSpinBox()
        self.epochs.setRange(0.5, 20)
        self.epochs.setSingleStep(0.5)
        self.epochs.setDecimals(1)
        self.epochs.setValue(defaults.epochs)
        self.epochs.setToolTip("Passes over the training examples. The run stops early when the held-out loss stops "
                               "improving.")
        self.rank = QSpinBox()
        self.rank.setRange(1, 128)
        self.rank.setValue(defaults.rank)
        self.rank.setToolTip("LoRA rank: how much the adapter can change. 8 is a safe default; higher learns more "
                             "and overfits sooner.")
        self.learning_rate = QDoubleSpinBox()
        self.learning_rate.setDecimals(5)
        self.learning_rate.setRange(0.00001, 0.01)
        self.learning_rate.setSingleStep(0.0001)
        self.learning_rate.setValue(defaults.learning_rate)
        self.learning_rate.setToolTip("How big each step is. 0.0002 is a safe default for LoRA.")
        self.max_length = QSpinBox()
        self.max_length.setRange(32, 2048)
        self.max_length.setSingleStep(32)
        self.max_length.setValue(defaults.max_length)
        self.max_length.setSuffix(" tokens")
        self.max_length.setToolTip("Longer examples are cut. Shorter is faster and needs less memory.")
        form = QFormLayout(self)
        form.addRow("Name:", self.name)
        form.addRow("Steps:", self.steps)
        form.addRow("Epochs:", self.epochs)
        form.addRow("LoRA rank:", self.rank)
        form.addRow("Learning rate:", self.learning_rate)
        form.addRow("Max length:", self.max_length)

    def settings(self, threads: int) -> TrainSettings:
        rank = self.rank.value()
        return TrainSettings(rank=rank, alpha=2.0 * rank, learning_rate=self.learning_rate.value(),
                             max_length=self.max_length.value(), epochs=self.epochs.value(),
                             max_steps=self.steps.value(), threads=threads)
