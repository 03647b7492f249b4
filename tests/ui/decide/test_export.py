"""Export from the result page: PDF, HTML and Markdown written on the Worker, with measured results when given."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from crossroads.decision import Measured, recommend
from crossroads.decision.weights import load_weights
from crossroads.ui.decide import DecidePanel
from crossroads.ui.decide.export import file_filters, resolve_target, suggested_name

from .conftest import Dialogs
from .helpers import choose

pytestmark = pytest.mark.gui

MEASURED = {"questions": 40, "modes": {"plain": {"contained": 0.1}, "rag": {"contained": 0.7}}}
EVALUATION = {
    "questions": 40,
    "modes": {"plain": {"contained": 0.1}, "rag": {"contained": 0.7}},
    "rows": [{"question": "What is the travel allowance?", "mode": "rag", "answer": "73 florins.", "metrics": {}}],
}
COMPARISONS = [
    {
        "question": "Where do staff park?",
        "answers": [{"mode": "rag", "text": "In lot K7.", "sources": [{"document": "policy.md", "page": 1}]}],
    }
]


def _pdf_text(path: Path) -> str:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(path))
    try:
        pages = [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    finally:
        pdf.close()
    return " ".join(" ".join(pages).split())


def _flat(text: str) -> str:
    return " ".join(text.split())


def _export_through_the_button(qtbot: Any, panel: DecidePanel) -> str:
    with qtbot.waitSignal(panel.exported, timeout=30000) as blocker:
        qtbot.mouseClick(panel.wizard.result_view.export_button, Qt.MouseButton.LeftButton)
        assert not panel.wizard.result_view.export_button.isEnabled()  # one export at a time
    qtbot.waitUntil(panel.wizard.result_view.export_button.isEnabled, timeout=5000)
    return str(blocker.args[0])


def test_pdf_export_through_the_result_page_holds_the_recommendation_and_its_reasons(
    qtbot: Any, panel: DecidePanel, dialogs: Dialogs, tmp_path: Path
) -> None:
    choose(panel, "change_frequency", "weekly")
    choose(panel, "citations", "required")
    choose(panel, "need", "facts")
    panel.wizard.go_to(len(panel.wizard.pages()) - 1)
    dialogs.save_path = tmp_path / "decision.pdf"
    written = _export_through_the_button(qtbot, panel)

    assert written == str(tmp_path / "decision.pdf")
    text = _pdf_text(tmp_path / "decision.pdf")
    rec = recommend(panel.answers)
    assert _flat(load_weights().options[rec.winner].label) in text
    assert rec.top_reasons()
    for reason in rec.top_reasons():
        assert _flat(reason.reason) in text
    assert "Report saved as decision.pdf" in panel.project_bar.file_label.text()
    assert dialogs.warnings() == []


def test_exports_include_measured_results_evaluation_and_comparisons(
    qtbot: Any, panel: DecidePanel, tmp_path: Path
) -> None:
    panel.set_measured(Measured.from_dict(MEASURED), evaluation=EVALUATION, comparisons=COMPARISONS)
    with qtbot.waitSignal(panel.exported, timeout=30000):
        panel.export_report(tmp_path / "decision.html")
    html = (tmp_path / "decision.html").read_text(encoding="utf-8")
    assert "Measured on your questions" in html
    assert panel.recommendation.measured_effect is not None
    assert panel.recommendation.measured_effect.summary in html
    assert "Evaluation results" in html and "73 florins." in html
    assert "Side-by-side comparisons" in html and "policy.md, page 1" in html


def test_markdown_chosen_in_the_dialog_gets_its_extension(
    qtbot: Any, panel: DecidePanel, dialogs: Dialogs, tmp_path: Path
) -> None:
    qtbot.keyClicks(panel.project_bar.name_edit, "ACME")
    dialogs.save_path = tmp_path / "notes"
    dialogs.save_filter = file_filters()[2]
    written = _export_through_the_button(qtbot, panel)
    assert written == str(tmp_path / "notes.md")
    assert (tmp_path / "notes.md").read_text(encoding="utf-8").startswith("# Fine-tune or RAG? Decision report")


def test_cancelling_the_file_dialog_exports_nothing(qtbot: Any, panel: DecidePanel, dialogs: Dialogs) -> None:
    dialogs.save_path = None
    with qtbot.assertNotEmitted(panel.exported, wait=200):
        qtbot.mouseClick(panel.wizard.result_view.export_button, Qt.MouseButton.LeftButton)
    assert panel.wizard.result_view.export_button.isEnabled()


def test_a_failed_export_is_explained_and_the_page_stays_usable(
    qtbot: Any, panel: DecidePanel, dialogs: Dialogs, tmp_path: Path
) -> None:
    blocker_file = tmp_path / "not a folder"
    blocker_file.write_text("x", encoding="utf-8")
    with qtbot.waitSignal(panel.export_failed, timeout=30000) as blocker:
        panel.export_report(blocker_file / "decision.pdf")  # a file where a folder should be
    assert "Could not save the report as decision.pdf" in str(blocker.args[0])
    assert dialogs.warnings() == [blocker.args[0]]
    qtbot.waitUntil(panel.wizard.result_view.export_button.isEnabled, timeout=5000)


@pytest.mark.parametrize(
    ("name", "chosen", "expected"),
    [
        ("a.PDF", "", ("a.PDF", "pdf")),
        ("a.htm", "", ("a.htm", "html")),
        ("a", file_filters()[1], ("a.html", "html")),
        ("a", "", ("a.pdf", "pdf")),
    ],
)
def test_the_format_follows_the_file_name_then_the_chosen_filter(
    name: str, chosen: str, expected: tuple[str, str]
) -> None:
    path, fmt = resolve_target(Path(name), chosen)
    assert (path.name, fmt) == expected


def test_the_suggested_file_name_comes_from_the_project() -> None:
    assert suggested_name("Support assistant: ACME (2025)") == "support-assistant-acme-2025-decision.pdf"
    assert suggested_name("") == "decision.pdf"


def test_answers_can_change_while_a_report_is_being_written(qtbot: Any, panel: DecidePanel, tmp_path: Path) -> None:
    choose(panel, "need", "facts")
    exported_rec = recommend(panel.answers)
    with qtbot.waitSignal(panel.exported, timeout=30000):
        panel.export_report(tmp_path / "decision.pdf")
        for value in ("behaviour", "both", "behaviour"):
            choose(panel, "need", value)
    text = _pdf_text(tmp_path / "decision.pdf")
    assert _flat(load_weights().options[exported_rec.winner].label) in text  # the answers when export was asked
    assert panel.answers.get("need") == "behaviour"
    assert panel.recommendation == recommend(panel.answers)
