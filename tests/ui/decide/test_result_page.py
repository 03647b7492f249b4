"""The result page: chart, reasons with evidence, what would change it, measured effect, and costs."""

from __future__ import annotations

from typing import Any

import pytest
import shiboken6
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget

from crossroads.compare import Answer
from crossroads.decision import Answers, Measured, recommend
from crossroads.decision.evidence import evidence
from crossroads.decision.weights import load_weights
from crossroads.engine.events import Timings
from crossroads.evaluation.evaluate import Evaluation, QAItem, QuestionResult
from crossroads.ui.decide import DecidePanel
from crossroads.ui.decide.score_chart import axis_range

from .helpers import choose

pytestmark = pytest.mark.gui

MEASURED = {
    "questions": 40,
    "modes": {"plain": {"contained": 0.08, "latency_s": 2.0}, "rag": {"contained": 0.72, "latency_s": 3.5}},
}


def _answer(panel: DecidePanel) -> None:
    choose(panel, "need", "behaviour")
    choose(panel, "citations", "required")
    choose(panel, "change_frequency", "monthly")


def test_the_chart_has_one_bar_per_option_with_the_cores_scores(panel: DecidePanel) -> None:
    _answer(panel)
    rec = recommend(panel.answers)
    w = load_weights()
    chart = panel.wizard.result_view.chart
    assert chart.bars() == [(w.options[o].short, pytest.approx(rec.scores[o])) for o in w.order]
    assert chart.highlighted() == [w.options[rec.winner].short]


def test_the_chart_takes_its_colours_from_the_palette_in_light_and_dark(panel: DecidePanel) -> None:
    chart = panel.wizard.result_view.chart
    usual, recommended = chart.bar_colors()
    assert recommended == chart.palette().color(QPalette.ColorRole.Highlight)

    dark = QPalette(chart.palette())
    for role, color in (
        (QPalette.ColorRole.Base, "#16181d"),
        (QPalette.ColorRole.Window, "#202329"),
        (QPalette.ColorRole.WindowText, "#e6e8eb"),
        (QPalette.ColorRole.Highlight, "#3d6fb6"),
    ):
        dark.setColor(role, QColor(color))
    panel.setPalette(dark)
    new_usual, new_recommended = chart.bar_colors()
    assert new_recommended == QColor("#3d6fb6")
    assert new_usual != usual  # the quieter bars follow the theme too
    assert chart.chart().backgroundBrush().color() == QColor("#16181d")
    for axis in chart.chart().axes():
        assert axis.labelsBrush().color() == QColor("#e6e8eb")


def test_each_top_reason_shows_its_evidence_paper_and_figure(panel: DecidePanel) -> None:
    _answer(panel)
    rec = recommend(panel.answers)
    shown = panel.wizard.result_view.plain_text()
    assert rec.top_reasons()
    for reason in rec.top_reasons():
        assert reason.reason in shown
        for eid in reason.evidence:
            e = evidence(eid)
            assert e.figure in shown and e.title in shown


def test_what_would_change_it_lists_the_cores_flips(panel: DecidePanel) -> None:
    _answer(panel)
    flips = recommend(panel.answers).what_would_change
    assert flips
    shown = panel.wizard.result_view.plain_text()
    assert all(flip.text in shown for flip in flips)


def test_the_cost_of_each_path_is_a_table_the_recommended_first(panel: DecidePanel) -> None:
    _answer(panel)
    rec = recommend(panel.answers)
    costs = panel.wizard.result_view.costs
    w = load_weights()
    titles = [costs.tabs.tabText(i) for i in range(costs.tabs.count())]
    assert titles[0] == f"{w.options[rec.winner].short} (recommended)"
    assert titles[-1] == "Assumptions"
    assert costs.rows(0) == [(line.item, line.text()) for line in rec.costs.for_option(rec.winner).lines]
    assert len(costs.rows(len(titles) - 1)) == len(rec.costs.assumptions)


def test_the_cost_tab_being_read_stays_chosen_when_the_ranking_changes(panel: DecidePanel) -> None:
    costs = panel.wizard.result_view.costs
    hybrid = load_weights().options["hybrid"].short
    costs.tabs.setCurrentIndex([costs.tabs.tabText(i) for i in range(costs.tabs.count())].index(hybrid))
    _answer(panel)
    assert costs.tabs.tabText(costs.tabs.currentIndex()).startswith(hybrid)


def test_without_measurements_the_page_says_how_to_get_them(panel: DecidePanel) -> None:
    assert "Evaluate tab" in panel.wizard.result_view.plain_text()


def test_measured_results_change_the_page_and_say_how(panel: DecidePanel) -> None:
    choose(panel, "need", "behaviour")  # alone, it points to fine-tuning; the measured gain overturns that
    before = panel.wizard.result_view.plain_text()
    measured = Measured.from_dict(MEASURED)
    panel.set_measured(measured)
    rec = recommend(panel.answers, measured)
    assert rec.measured_effect is not None and rec.measured_effect.changed
    view = panel.wizard.result_view
    shown = view.plain_text()
    assert shown != before
    assert rec.measured_effect.summary in shown  # "… changed the recommendation from Fine-tuning to RAG."
    assert view.winner_label.text() == load_weights().options[rec.winner].label
    measured_reason = next(c for c in rec.contributions if c.kind == "measured")
    assert measured_reason.reason in shown
    assert "72%" in shown and "Model + your documents" in shown  # the figures, as the report shows them

    panel.set_measured(None)
    assert rec.measured_effect.summary not in view.plain_text()


def test_an_evaluation_run_alone_counts_as_measurements(panel: DecidePanel) -> None:
    evaluation = Evaluation("tiny", ["plain", "rag"])
    for i in range(30):
        timings = Timings(40, 12, 0, 0.2, 2.0, 30.0)
        evaluation.results.append(
            QuestionResult(
                QAItem(f"q{i}", ("73",)),
                [
                    Answer("plain", "no idea", "stop", timings, metrics={"contained": 0.0}),
                    Answer("rag", "73", "stop", timings, metrics={"contained": 1.0}),
                ],
            )
        )
    panel.set_measured(None, evaluation=evaluation.to_dict())
    effect = panel.recommendation.measured_effect
    assert effect is not None and effect.measured.questions == 30
    assert effect.summary in panel.wizard.result_view.plain_text()


def test_conflicting_answers_are_shown_next_to_the_recommendation(panel: DecidePanel) -> None:
    rec = recommend(Answers({"deployment": "standalone", "change_frequency": "daily"}))
    choose(panel, "deployment", "standalone")
    choose(panel, "change_frequency", "daily")
    shown = panel.wizard.result_view.plain_text()
    assert rec.conflicts
    for _, message in rec.conflicts:
        assert message in shown


def test_updates_reuse_the_pages_widgets_instead_of_destroying_them(qtbot: Any, panel: DecidePanel) -> None:
    view = panel.wizard.result_view

    def cycle() -> None:
        panel.set_measured(Measured.from_dict(MEASURED))
        for need in ("facts", "behaviour", "both", "facts"):
            choose(panel, "need", need)
            choose(panel, "deployment", "standalone" if need == "both" else "server")
        panel.set_measured(None)

    cycle()
    before = view.findChildren(QWidget)
    cycle()
    qtbot.wait(20)  # any deferred deletion would have happened by now
    assert all(shiboken6.isValid(widget) for widget in before)
    assert len(view.findChildren(QWidget)) == len(before)  # the same answers again need no new widgets


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [(-21.4, 23.9, (-30, 30, 7)), (0.0, 5.4, (0, 6, 7)), (-10.0, 15.0, (-10, 15, 6)), (-2.6, 1.0, (-3, 1, 5))],
)
def test_the_score_axis_ends_on_round_numbers_close_to_the_bars(
    low: float, high: float, expected: tuple[float, float, int]
) -> None:
    start, stop, ticks = axis_range(low, high)
    assert (start, stop, ticks) == pytest.approx(expected)
