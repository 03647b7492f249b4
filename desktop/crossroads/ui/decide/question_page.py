"""One wizard page per topic: each question with its help text, its choices as radio buttons and "Don't know".

The page only shows and reports choices; the answers live in the panel and every word comes from the core's
``questions.toml``.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from crossroads.decision import UNKNOWN, Answers, Question
from crossroads.ui.decide import text


class QuestionBox(QFrame):
    """A question, its help, and one radio button per allowed value ("Don't know" last)."""

    chosen = Signal(str, str)  # question id, value

    def __init__(self, question: Question, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.question = question
        self.setObjectName(f"question_{question.id}")
        # A framed panel on the window colour: on the Base colour, Fusion's radio buttons (filled with Base)
        # would lose their outline in the dark theme.
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setToolTip(question.help)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(6)
        prompt = text.label(question.prompt, size=1.05, bold=True)
        prompt.setToolTip(question.help)
        layout.addWidget(prompt)
        help_text = text.label(question.help, size=text.NOTE, muted=True)
        help_text.setToolTip(question.help)
        layout.addWidget(help_text)
        layout.addSpacing(2)
        self._values = [c.value for c in question.choices] + [UNKNOWN]
        self._group = QButtonGroup(self)
        for index, value in enumerate(self._values):
            button = QRadioButton(question.label(value))
            button.setObjectName(f"{question.id}={value}")
            button.setToolTip(question.help)
            self._group.addButton(button, index)
            layout.addWidget(button)
        layout.addStretch(1)
        self.set_value(UNKNOWN)
        self._group.idToggled.connect(self._on_toggled)

    def value(self) -> str:
        return self._values[self._group.checkedId()]

    def set_value(self, value: str) -> None:
        """Show a value without reporting it back as a new choice."""
        self._group.blockSignals(True)
        self._group.button(self._values.index(value)).setChecked(True)
        self._group.blockSignals(False)
        self._embolden()

    def _embolden(self) -> None:
        """The chosen answer in bold: readable at a glance, whatever the theme draws for a checked radio."""
        bold = QFont()
        bold.setBold(True)  # only the weight is set: the size still follows the app font
        for button in self._group.buttons():
            if button.font().bold() != button.isChecked():
                button.setFont(bold if button.isChecked() else QFont())

    def button(self, value: str) -> QRadioButton:
        button = self._group.button(self._values.index(value))
        assert isinstance(button, QRadioButton)
        return button

    def _on_toggled(self, button_id: int, checked: bool) -> None:
        if checked:
            self._embolden()
            self.chosen.emit(self.question.id, self._values[button_id])


class StepPage(QWizardPage):
    """A page with the step line ("Step 3 of 6"), a large title, and scrolling content below."""

    def __init__(self, step: int, total: int, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.step, self.total, self.page_title = step, total, title
        self.setAccessibleName(title)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(2)
        layout.addWidget(text.label(f"Step {step} of {total}", muted=True, object_name="stepLine"))
        layout.addWidget(text.heading(title, size=text.TITLE, object_name="pageTitle"))
        layout.addSpacing(8)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout.addWidget(self.scroll, 1)

    @property
    def progress_text(self) -> str:
        return f"Step {self.step} of {self.total} — {self.page_title}"


class TopicPage(StepPage):
    """The questions of one topic, two columns wide when they fit, so a page fits a laptop screen unscrolled."""

    answer_chosen = Signal(str, str)

    def __init__(
        self,
        topic: str,
        title: str,
        questions: Sequence[Question],
        step: int,
        total: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(step, total, title, parent)
        self.topic = topic
        self.setObjectName(f"page_{topic}")
        body = QWidget()
        outer = QVBoxLayout(body)
        outer.setContentsMargins(0, 0, 8, 0)
        self._grid = QGridLayout()
        self._grid.setSpacing(12)
        outer.addLayout(self._grid)
        outer.addStretch(1)
        self._columns = 0
        self.boxes: dict[str, QuestionBox] = {}
        for question in questions:
            box = QuestionBox(question)
            box.chosen.connect(self.answer_chosen)
            self.boxes[question.id] = box
        self._arrange(2)
        self.scroll.setWidget(body)
        self.scroll.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.scroll.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_columns()
        return super().eventFilter(watched, event)

    def _fit_columns(self) -> None:
        """Two columns when both fit (a laptop at normal size), one with a large presentation font."""
        boxes = list(self.boxes.values())
        needed = 2 * max(box.minimumSizeHint().width() for box in boxes) + self._grid.spacing()
        if self._columns == 1:  # room for a scroll bar, so that switching cannot flip back and forth
            needed += self.scroll.verticalScrollBar().sizeHint().width()
        self._arrange(2 if len(boxes) > 1 and self.scroll.viewport().width() >= needed else 1)

    def _arrange(self, columns: int) -> None:
        if columns == self._columns:
            return
        self._columns = columns
        for box in self.boxes.values():
            self._grid.removeWidget(box)
        for index, box in enumerate(self.boxes.values()):
            self._grid.addWidget(box, index // columns, index % columns)
        for column in range(2):
            self._grid.setColumnStretch(column, 1 if column < columns else 0)

    def show_answers(self, answers: Answers) -> None:
        for qid, box in self.boxes.items():
            box.set_value(answers.get(qid))

    def answered(self, answers: Answers) -> int:
        return sum(1 for qid in self.boxes if answers.get(qid) != UNKNOWN)
