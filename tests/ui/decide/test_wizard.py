"""Walking the Decide wizard: one page per topic, help for every question, back and forward, live result."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QLabel, QRadioButton, QWizard

from crossroads.decision import UNKNOWN, Answers, questions, recommend, topics
from crossroads.decision.weights import load_weights
from crossroads.ui.decide import DecidePanel

from .helpers import choose, click_back, click_next

pytestmark = pytest.mark.gui

# One answer per topic page, chosen so the walk lands on a definite recommendation.
WALK = {
    "knowledge": {"change_frequency": "weekly", "must_delete": "yes", "corpus_size": "thousands_of_pages"},
    "need": {"need": "facts", "citations": "required"},
    "data": {"training_data": "raw_documents"},
    "infrastructure": {"gpu": "none", "privacy": "confidential"},
    "measured": {"retrieval_quality": "good"},
}


def test_walking_every_page_to_the_result_shows_what_the_core_recommends(qtbot: Any, panel: DecidePanel) -> None:
    wizard = panel.wizard
    chosen: dict[str, str] = {}
    for step, (topic, title) in enumerate(topics(), start=1):
        page = wizard.currentPage()
        assert page is wizard.topic_pages[step - 1] and page.topic == topic
        assert wizard.progress_text() == f"Step {step} of {len(topics()) + 1} — {title}"
        for qid, value in WALK[topic].items():
            choose(panel, qid, value)
            chosen[qid] = value
        click_next(qtbot, panel)

    assert wizard.currentPage() is wizard.result_page
    assert wizard.progress_text() == f"Step {len(topics()) + 1} of {len(topics()) + 1} — Recommendation"
    expected = recommend(Answers(chosen))
    view = wizard.result_view
    assert panel.answers == Answers(chosen)
    assert view.winner_label.text() == load_weights().options[expected.winner].label
    assert view.confidence_label.text().startswith(f"Confidence: {expected.confidence.level}.")
    shown = view.plain_text()
    for reason in expected.top_reasons():
        assert reason.reason in shown
    for flip in expected.what_would_change:
        assert flip.text in shown


def test_every_question_shows_its_help_and_offers_dont_know(panel: DecidePanel) -> None:
    boxes = {qid: box for page in panel.wizard.topic_pages for qid, box in page.boxes.items()}
    assert list(boxes) == [q.id for q in questions()]
    for q in questions():
        box = boxes[q.id]
        assert [b.text() for b in box.findChildren(QRadioButton)] == [q.label(v) for v in (*q.values[1:], UNKNOWN)]
        assert box.button(UNKNOWN).isChecked()
        assert q.prompt in [label.text() for label in box.findChildren(QLabel)]
        assert q.help in [label.text() for label in box.findChildren(QLabel)]
        assert box.toolTip() == q.help and box.button(q.values[1]).toolTip() == q.help


def test_each_topic_has_its_own_page_with_its_questions_only(panel: DecidePanel) -> None:
    pages = panel.wizard.topic_pages
    assert [(p.topic, p.page_title) for p in pages] == list(topics())
    for page in pages:
        assert {q.id for q in questions() if q.topic == page.topic} == set(page.boxes)


def test_going_back_keeps_the_answers_given(qtbot: Any, panel: DecidePanel) -> None:
    choose(panel, "change_frequency", "daily")
    click_next(qtbot, panel)
    choose(panel, "need", "behaviour")
    click_next(qtbot, panel)
    click_back(qtbot, panel)
    click_back(qtbot, panel)
    wizard = panel.wizard
    assert wizard.currentPage() is wizard.topic_pages[0]
    assert wizard.topic_pages[0].boxes["change_frequency"].value() == "daily"
    assert wizard.topic_pages[1].boxes["need"].value() == "behaviour"
    assert panel.answers == Answers({"change_frequency": "daily", "need": "behaviour"})


def test_alt_n_and_alt_b_move_between_pages(qtbot: Any, panel: DecidePanel) -> None:
    wizard = panel.wizard
    panel.window().activateWindow()
    qtbot.waitActive(panel.window())
    first = wizard.topic_pages[0].boxes["change_frequency"].button("rarely")
    first.setFocus()
    qtbot.keyClick(first, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: wizard.currentId() == 1, timeout=2000)  # a mnemonic "animates" the click first
    qtbot.keyClick(wizard.focusWidget() or wizard, Qt.Key.Key_B, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: wizard.currentId() == 0, timeout=2000)


def test_escape_does_not_close_the_embedded_wizard(qtbot: Any, panel: DecidePanel) -> None:
    qtbot.keyClick(panel.wizard, Qt.Key.Key_Escape)
    assert panel.wizard.isVisible()


def test_the_result_page_has_no_cancel_or_finish_button_to_close_the_tab(qtbot: Any, panel: DecidePanel) -> None:
    panel.wizard.go_to(len(panel.wizard.pages()) - 1)
    for which in (QWizard.WizardButton.CancelButton, QWizard.WizardButton.FinishButton):
        assert not panel.wizard.button(which).isVisible()
    assert panel.wizard.button(QWizard.WizardButton.BackButton).isVisible()


def test_the_result_follows_each_answer_at_once(panel: DecidePanel) -> None:
    labels = load_weights().options
    choose(panel, "corpus_size", "few_pages")
    choose(panel, "change_frequency", "daily")
    first = recommend(panel.answers)
    assert panel.wizard.result_view.winner_label.text() == labels[first.winner].label
    choose(panel, "need", "behaviour")
    choose(panel, "training_data", "many_examples")
    choose(panel, "change_frequency", "rarely")
    second = recommend(panel.answers)
    assert second.winner != first.winner
    assert panel.wizard.result_view.winner_label.text() == labels[second.winner].label
    assert panel.recommendation.winner == second.winner


def test_answering_emits_answers_changed(qtbot: Any, panel: DecidePanel) -> None:
    with qtbot.waitSignal(panel.answers_changed, timeout=1000):
        choose(panel, "gpu", "large")
    assert panel.is_modified()


def test_the_step_list_jumps_to_a_step_and_counts_what_is_answered(panel: DecidePanel) -> None:
    wizard = panel.wizard
    choose(panel, "training_data", "some_examples")
    wizard.steps.setCurrentRow(2)
    assert wizard.currentPage() is wizard.topic_pages[2]
    assert "1 of 3 answered" in wizard.steps.item(2).text()
    short = load_weights().options[panel.recommendation.winner].short
    assert wizard.steps.item(len(wizard.pages()) - 1).text().endswith(f"Now: {short}")
    wizard.steps.setCurrentRow(0)
    assert wizard.currentId() == 0
    assert wizard.button(QWizard.WizardButton.BackButton).isEnabled() is False


def test_headings_follow_a_larger_app_font_for_presentations(qtbot: Any, panel: DecidePanel) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    winner = panel.wizard.result_view.winner_label
    title = panel.wizard.topic_pages[0].findChild(QLabel, "pageTitle")
    normal = QFont(app.font())
    before = (winner.font().pointSizeF(), title.font().pointSizeF())
    assert before[0] > normal.pointSizeF() * 1.5 and winner.font().bold()
    bigger = QFont(normal)
    bigger.setPointSizeF(normal.pointSizeF() * 1.5)
    try:
        app.setFont(bigger)
        qtbot.waitUntil(lambda: winner.font().pointSizeF() == pytest.approx(before[0] * 1.5), timeout=2000)
        assert title.font().pointSizeF() == pytest.approx(before[1] * 1.5)
        assert winner.font().bold()
    finally:
        app.setFont(normal)
    qtbot.waitUntil(lambda: (winner.font().pointSizeF(), title.font().pointSizeF()) == before, timeout=2000)
