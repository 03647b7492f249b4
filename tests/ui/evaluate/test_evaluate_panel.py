"""The Evaluate tab, driven like a user would, on the real tiny model and a real knowledge base."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCharts import QChart
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette

from crossroads.compare import MODES
from crossroads.config import Settings
from crossroads.evaluation.evaluate import QAItem
from crossroads.ui.evaluate import EvaluatePanel
from crossroads.ui.evaluate.figures import LATENCY_FIGURES, SHARE_FIGURES, SUMMARY_FIGURES
from crossroads.ui.worker import running_workers
from crossroads.workspace import Workspace

from .evaluate_helpers import QUESTIONS, RUN_TIMEOUT_MS, load, run_to_end, write_jsonl

pytestmark = pytest.mark.gui


@pytest.fixture
def panel(qtbot, eval_workspace: Workspace) -> Iterator[EvaluatePanel]:  # type: ignore[no-untyped-def]
    widget = EvaluatePanel(eval_workspace)
    qtbot.addWidget(widget)
    yield widget
    widget.cancel()
    qtbot.waitUntil(lambda: not running_workers(), timeout=RUN_TIMEOUT_MS)


def _with_kb(qtbot, panel: EvaluatePanel, kb) -> None:  # type: ignore[no-untyped-def]
    panel.set_knowledge_base(kb)
    qtbot.waitUntil(lambda: panel.mode_boxes["rag"].isEnabled())


# -- the question set -------------------------------------------------------------------------------------------


def test_loading_a_jsonl_file_fills_the_question_table(qtbot, panel: EvaluatePanel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    load(qtbot, panel, write_jsonl(tmp_path / "set.jsonl", QUESTIONS[:3]), rows=3)

    model = panel.questions.model
    assert model.data(model.index(0, 0)) == "Where do Zorbanian staff park?"
    assert model.data(model.index(0, 1)) == "lot K7 | K7"
    assert model.data(model.index(2, 1)) == ""
    assert panel.questions.items()[0] == QAItem("Where do Zorbanian staff park?", ("lot K7", "K7"))
    assert "3 questions · set.jsonl" in panel.questions.count.text()


def test_a_bad_file_shows_its_reason_and_keeps_the_current_set(qtbot, panel: EvaluatePanel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    load(qtbot, panel, write_jsonl(tmp_path / "good.jsonl", QUESTIONS[:2]), rows=2)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "Fine?"}\n{"question": "broken\n', encoding="utf-8")

    panel.load_questions_file(bad)
    qtbot.waitUntil(lambda: not panel.message.isHidden())

    assert "Line 2 of bad.jsonl is not valid JSON" in panel.message.text.text()
    assert [i.question for i in panel.questions.items()] == [q["question"] for q in QUESTIONS[:2]]
    assert "good.jsonl" in panel.questions.count.text()


def test_a_typed_set_can_be_saved_and_loaded_back(qtbot, panel: EvaluatePanel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    panel.questions.add_question()
    model = panel.questions.model
    model.setData(model.index(0, 0), "Where do staff park?")
    model.setData(model.index(0, 1), "lot K7 | K7")

    assert panel.questions.save_file(tmp_path / "typed.jsonl")
    model.set_items([])
    load(qtbot, panel, tmp_path / "typed.jsonl", rows=1)
    assert panel.questions.items() == [QAItem("Where do staff park?", ("lot K7", "K7"))]


def test_typed_questions_become_the_set_with_answers_split_on_the_bar(panel: EvaluatePanel) -> None:
    panel.questions.add_question()
    model = panel.questions.model
    model.setData(model.index(0, 0), "Where do staff park?")
    model.setData(model.index(0, 1), "lot K7 |  K7 |")
    panel.questions.add_question()  # left blank: not a question

    assert panel.questions.items() == [QAItem("Where do staff park?", ("lot K7", "K7"))]
    assert panel.questions.count.text() == "1 question"
    panel.questions.view.selectRow(0)
    panel.questions.remove_selected()
    assert model.rowCount() == 1 and panel.questions.items() == []


# -- modes ------------------------------------------------------------------------------------------------------


def test_documents_mode_is_off_without_a_knowledge_base_and_says_why(panel: EvaluatePanel) -> None:
    panel.set_knowledge_base(None)
    rag = panel.mode_boxes["rag"]

    assert rag.text() == MODES["rag"].label and panel.mode_boxes["plain"].text() == MODES["plain"].label
    assert not rag.isEnabled() and not rag.isChecked()
    assert "Needs a knowledge base" in rag.toolTip()
    assert panel.selected_modes() == ["plain"]


def test_documents_mode_is_off_for_an_empty_knowledge_base(qtbot, panel: EvaluatePanel, empty_kb) -> None:  # type: ignore[no-untyped-def]
    panel.set_knowledge_base(empty_kb)
    qtbot.waitUntil(lambda: "has no documents yet" in panel.mode_boxes["rag"].toolTip())
    assert not panel.mode_boxes["rag"].isEnabled()


def test_documents_mode_comes_back_checked_with_an_indexed_knowledge_base(qtbot, panel: EvaluatePanel, eval_kb) -> None:  # type: ignore[no-untyped-def]
    panel.set_knowledge_base(None)
    _with_kb(qtbot, panel, eval_kb)
    assert panel.mode_boxes["rag"].isChecked()
    assert panel.selected_modes() == ["plain", "rag"]


def test_choosing_no_mode_says_so_instead_of_running(panel: EvaluatePanel) -> None:
    panel.mode_boxes["plain"].setChecked(False)
    panel.start()
    assert not panel.running
    assert "Choose at least one way to answer" in panel.message.text.text()


def test_the_charts_take_their_colours_from_the_palette(panel: EvaluatePanel) -> None:
    chart = panel.summary.accuracy_chart.chart()
    for window in ("#202329", "#f4f5f7"):  # dark, then light again
        palette = QPalette(QColor(window))
        panel.setPalette(palette)
        dark = QColor(window).lightness() < 128
        assert chart.theme() == (QChart.ChartTheme.ChartThemeDark if dark else QChart.ChartTheme.ChartThemeLight)
        assert chart.titleBrush().color() == palette.color(QPalette.ColorRole.Text)
        assert chart.backgroundBrush().color() == palette.color(QPalette.ColorRole.Base)


# -- running ----------------------------------------------------------------------------------------------------


def test_a_run_fills_rows_live_and_ends_with_a_summary_and_a_chart_per_mode(  # type: ignore[no-untyped-def]
    qtbot, panel: EvaluatePanel, eval_kb, tmp_path: Path
) -> None:
    _with_kb(qtbot, panel, eval_kb)
    load(qtbot, panel, write_jsonl(tmp_path / "set.jsonl", QUESTIONS[:3]), rows=3)
    seen_while_running: list[tuple[int, bool]] = []
    panel.results.model.rowsInserted.connect(
        lambda *_: seen_while_running.append((panel.results.model.rowCount(), panel.running))
    )

    evaluation = run_to_end(qtbot, panel)

    assert seen_while_running == [(1, True), (2, True), (3, True)]  # one row per finished question, live
    assert not panel.running and panel.evaluation is evaluation
    assert evaluation.modes == ["plain", "rag"] and len(evaluation.results) == 3
    assert panel.progress.bar.text() == "3 of 3 questions"

    results = panel.results.model
    for mode in ("plain", "rag"):
        answer = evaluation.results[0].answers[["plain", "rag"].index(mode)]
        assert results.data(results.index(0, results.column_of(mode, "answer")), Qt.ItemDataRole.ToolTipRole) == (
            answer.text or "The model gave no answer."
        )
        contained = results.data(results.index(0, results.column_of(mode, "contained")))
        assert contained == ("✓" if answer.metrics["contained"] else "✗")
        assert results.data(results.index(2, results.column_of(mode, "contained"))) == "—"  # no expected answer
        assert results.data(results.index(0, results.column_of(mode, "time"))).endswith(" s")

    summary = evaluation.summary()
    table = panel.summary.model
    assert [table.headerData(r, Qt.Orientation.Vertical) for r in range(table.rowCount())] == [
        MODES["plain"].label, MODES["rag"].label
    ]
    for row, mode in enumerate(("plain", "rag")):
        for column, figure in enumerate(SUMMARY_FIGURES):
            assert table.data(table.index(row, column)) == figure.format(summary[mode][figure.key])

    labels = [MODES["plain"].label, MODES["rag"].label]
    shares = panel.summary.accuracy_chart
    assert list(shares.bar_sets()) == labels
    shown = [f for f in SHARE_FIGURES if any(summary[m][f.key] is not None for m in summary)]
    assert shares.categories() == [f.short for f in shown]
    for label, mode in zip(labels, ("plain", "rag"), strict=True):
        expected = [round((summary[mode][f.key] or 0) * 100) for f in shown]
        assert shares.bar_sets()[label] == pytest.approx(expected)
    latency = panel.summary.latency_chart
    assert latency.categories() == [f.short for f in LATENCY_FIGURES]
    for label, mode in zip(labels, ("plain", "rag"), strict=True):
        expected = [summary[mode][f.key] for f in LATENCY_FIGURES]
        assert latency.bar_sets()[label] == pytest.approx(expected, abs=0.05)
    assert panel.export_csv_button.isEnabled()

    details = panel.results.details
    assert details.toPlainText().startswith("3. Who founded Zorbania?")  # the latest, until one is chosen
    panel.results.view.selectRow(0)
    assert details.toPlainText().startswith("1. Where do Zorbanian staff park?")
    assert evaluation.results[0].answers[1].text in details.toPlainText()


def test_stopping_mid_run_keeps_the_answers_so_far(qtbot, panel: EvaluatePanel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    load(qtbot, panel, write_jsonl(tmp_path / "set.jsonl", QUESTIONS), rows=5)
    panel.results.model.rowsInserted.connect(panel.cancel)  # stop as soon as the first answer is in

    evaluation = run_to_end(qtbot, panel)

    assert 1 <= len(evaluation.results) < len(QUESTIONS)
    assert evaluation.modes == ["plain"]
    assert panel.results.model.rowCount() == len(evaluation.results)
    assert panel.summary.model.data(panel.summary.model.index(0, 0)) == str(len(evaluation.results))
    assert f"Stopped after {len(evaluation.results)} of 5 questions" in panel.message.text.text()
    assert panel.evaluation is evaluation and panel.export_csv_button.isEnabled()
    assert not panel.running and panel.run_button.isEnabled()


def test_running_without_a_model_says_so_and_keeps_the_last_results(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    workspace = Workspace(Settings(max_tokens=16, threads=1))  # nothing loaded
    panel = EvaluatePanel(workspace)
    qtbot.addWidget(panel)
    load(qtbot, panel, write_jsonl(tmp_path / "set.jsonl", QUESTIONS[:2]), rows=2)

    panel.start()
    qtbot.waitUntil(lambda: not panel.running, timeout=RUN_TIMEOUT_MS)

    assert "No model is loaded yet" in panel.message.text.text()
    assert panel.evaluation is None and panel.results.model.rowCount() == 0
    assert not panel.export_csv_button.isEnabled() and panel.run_button.isEnabled()
    workspace.close()


def test_an_empty_question_set_gets_the_cores_message(qtbot, panel: EvaluatePanel) -> None:  # type: ignore[no-untyped-def]
    panel.start()
    qtbot.waitUntil(lambda: not panel.running, timeout=RUN_TIMEOUT_MS)
    assert "There are no questions to evaluate" in panel.message.text.text()


def test_every_figure_is_explained_in_plain_words_where_it_is_shown(panel: EvaluatePanel) -> None:
    table = panel.summary.model
    for column, figure in enumerate(SUMMARY_FIGURES):
        assert figure.explanation in table.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    for chart in (panel.summary.accuracy_chart, panel.summary.latency_chart):
        assert all(f.explanation in chart.general_tip for f in chart.figures)
    results = panel.results.model
    results.reset(["plain", "rag"])
    for column in range(results.columnCount()):
        assert len(results.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)) > 20
