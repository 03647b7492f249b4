"""The wizard itself: one page per topic, then the result page, with a step list to jump between them.

A QWizard embedded as a plain child widget (not a dialog), so it lives inside the Decide tab; it keeps QWizard's
keyboard use (Alt+N next, Alt+B back, Enter for next) and never closes itself.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem, QWidget, QWizard

from crossroads.decision import Answers, Recommendation, questions, topics
from crossroads.decision.weights import load_weights
from crossroads.ui.decide.question_page import StepPage, TopicPage
from crossroads.ui.decide.result_view import ResultView

RESULT_TITLE = "Recommendation"


class ResultPage(StepPage):
    def __init__(self, step: int, total: int, parent: QWidget | None = None) -> None:
        super().__init__(step, total, RESULT_TITLE, parent)
        self.setObjectName("page_result")
        self.view = ResultView()
        self.scroll.setWidget(self.view)


class StepList(QListWidget):
    """Every step with how far it is answered; choosing one goes there."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stepList")
        self.setAccessibleName("Steps")
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSpacing(3)
        self.setWordWrap(True)
        self.setFixedWidth(230)
        self.setToolTip("Go to any step; your answers are kept")


class DecideWizard(QWizard):
    answer_chosen = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("decideWizard")
        self.setWindowFlags(Qt.WindowType.Widget)
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoCancelButton, True)
        self.setOption(QWizard.WizardOption.IndependentPages, True)
        self.setButtonLayout(
            [QWizard.WizardButton.Stretch, QWizard.WizardButton.BackButton, QWizard.WizardButton.NextButton]
        )
        groups = topics()
        total = len(groups) + 1
        self.topic_pages: list[TopicPage] = []
        for step, (topic, title) in enumerate(groups, start=1):
            page = TopicPage(topic, title, [q for q in questions() if q.topic == topic], step, total)
            page.answer_chosen.connect(self.answer_chosen)
            self.addPage(page)
            self.topic_pages.append(page)
        self.result_page = ResultPage(total, total)
        self.addPage(self.result_page)
        self.steps = StepList()
        for page in self.pages():
            self.steps.addItem(QListWidgetItem(f"{page.step}. {page.page_title}"))
        self.setSideWidget(self.steps)
        self.steps.currentRowChanged.connect(self._on_step_chosen)
        self.currentIdChanged.connect(self._on_page_changed)

    @property
    def result_view(self) -> ResultView:
        return self.result_page.view

    def pages(self) -> list[StepPage]:
        return [*self.topic_pages, self.result_page]

    def reject(self) -> None:
        """Escape would hide a dialog; this wizard is part of the tab and stays."""

    def progress_text(self) -> str:
        page = self.currentPage()
        return page.progress_text if isinstance(page, StepPage) else ""

    def go_to(self, index: int) -> None:
        """Walk to a step with next/back, so QWizard keeps its history and its Back button right."""
        index = max(0, min(index, len(self.pageIds()) - 1))
        for _ in range(len(self.pageIds())):
            current = self.currentId()
            if current < index:
                self.next()
            elif current > index:
                self.back()
            else:
                break

    def show_answers(self, answers: Answers) -> None:
        for page in self.topic_pages:
            page.show_answers(answers)
        self.update_steps(answers, None)

    def update_steps(self, answers: Answers, rec: Recommendation | None) -> None:
        for row, page in enumerate(self.topic_pages):
            done, count = page.answered(answers), len(page.boxes)
            self.steps.item(row).setText(f"{page.step}. {page.page_title}\n     {done} of {count} answered")
        if rec is not None:
            leaning = load_weights().options[rec.winner].short
            item = self.steps.item(len(self.topic_pages))
            item.setText(f"{self.result_page.step}. {RESULT_TITLE}\n     Now: {leaning}")
            item.setToolTip(f"Recommendation for the answers so far: {load_weights().options[rec.winner].label}")

    def _on_step_chosen(self, row: int) -> None:
        if row >= 0 and row != self.currentId():
            self.go_to(row)

    def _on_page_changed(self, page_id: int) -> None:
        self.steps.blockSignals(True)
        self.steps.setCurrentRow(page_id)
        self.steps.blockSignals(False)
        page = self.page(page_id)
        if isinstance(page, StepPage):
            self.steps.setAccessibleDescription(page.progress_text)
