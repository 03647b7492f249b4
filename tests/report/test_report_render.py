"""Markdown and HTML exports: readable on their own, self-contained, and safe with any text."""

from __future__ import annotations

import re

from crossroads.decision.answers import Answers
from crossroads.decision.scoring import recommend
from crossroads.report import build_report, render_html, render_markdown

from .helpers import COMPARISONS, client_recommendation


def test_markdown_has_the_title_the_recommendation_and_a_text_chart() -> None:
    rec = client_recommendation()
    md = render_markdown(build_report(rec))
    assert md.startswith("# Fine-tune or RAG? Decision report\n")
    assert "> **Recommendation: Retrieval-augmented generation (RAG)**" in md
    assert "◀ recommended" in md
    for reason in rec.top_reasons():
        assert reason.reason in md


def test_markdown_tables_survive_pipes_and_line_breaks_in_answers() -> None:
    comparisons = [{"question": "A | B?", "answers": [{"mode": "rag", "text": "line one\nline | two"}]}]
    md = render_markdown(build_report(client_recommendation(), comparisons=comparisons))
    assert "| A \\| B? | Model + your documents | line one line \\| two |" in md


def test_html_is_one_self_contained_file() -> None:
    html = render_html(build_report(client_recommendation(), comparisons=COMPARISONS))
    assert html.startswith("<!DOCTYPE html>")
    assert "<style>" in html and "<svg" in html
    assert "<script" not in html and "<link" not in html
    assert not re.search(r"""(src|href)=["']?https?:""", html)


def test_html_chart_has_one_bar_per_option_and_marks_the_winner() -> None:
    html = render_html(build_report(client_recommendation()))
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert svg.count("<rect") == 5
    assert 'fill="#2f5d8a"' in svg


def test_html_escapes_whatever_the_user_typed() -> None:
    rec = recommend(Answers(project='<script>alert("x")</script> & Co'))
    html = render_html(build_report(rec))
    assert "<script>" not in html
    assert "&lt;script&gt;" in html and "&amp; Co" in html


def test_negative_scores_are_drawn_left_of_zero() -> None:
    rec = recommend(Answers({"change_frequency": "daily"}))
    assert min(rec.scores.values()) < 0
    html = render_html(build_report(rec))
    assert html.count("<rect") == 5
    assert "░" in render_markdown(build_report(rec))
