"""A finished answer in its column: the text, the figures, the support marks and the note under it."""

from __future__ import annotations

from typing import Any

from crossroads.ui.compare.answer_pane import AnswerPane


def _answer(**changes: Any) -> dict[str, Any]:
    return {
        "mode": "rag", "text": "The documents do not say. No passage contains “340”.", "finish_reason": "stop",
        "ttft_s": 0.8, "tokens_per_s": 11.0, "completion_tokens": 14, "wall_s": 2.1, "sentences": [],
        "metrics": {}, "withheld": None, **changes,
    }


def test_a_withheld_answer_shows_what_the_model_wrote_and_why(qtbot) -> None:
    pane = AnswerPane("rag", "Model + your documents")
    qtbot.addWidget(pane)
    invented = "There are 340 parking spaces at the Eindhoven headquarters [1]."
    pane.show_answer(_answer(finish_reason="unfound_figure", withheld=invented))
    assert pane.plain_text() == "The documents do not say. No passage contains “340”."
    assert invented in pane.note.text() and "none of the passages" in pane.note.text()


def test_an_ordinary_answer_has_no_note(qtbot) -> None:
    pane = AnswerPane("rag", "Model + your documents")
    qtbot.addWidget(pane)
    pane.show_answer(_answer(text="Staff park in lot K7 [1]."))
    assert pane.note.text() == ""
