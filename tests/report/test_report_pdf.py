"""The PDF export: the recommendation and its reasons are really in the document's text."""

from __future__ import annotations

import re
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from crossroads.decision.answers import Answers
from crossroads.decision.scoring import recommend
from crossroads.decision.weights import load_weights
from crossroads.report import build_report, render_pdf
from crossroads.report.render_pdf import default_font_dir

from .helpers import COMPARISONS, EVALUATION, client_recommendation


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    doc = pdfium.PdfDocument(str(path))
    try:
        pages = [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    finally:
        doc.close()
    return " ".join(" ".join(pages).split())


def squash(text: str) -> str:
    return " ".join(text.split())


def test_the_shipped_font_is_found_without_system_fonts() -> None:
    folder = default_font_dir()
    assert folder is not None
    assert (folder / "LICENSE-DejaVu.txt").is_file()
    assert sum(f.stat().st_size for f in folder.glob("*.ttf")) < 1_000_000


def test_the_pdf_text_holds_the_recommendation_and_its_top_reasons(tmp_path: Path) -> None:
    rec = client_recommendation()
    data = render_pdf(build_report(rec, comparisons=COMPARISONS, evaluation=EVALUATION))
    assert data.startswith(b"%PDF-")
    text = pdf_text(data, tmp_path)
    assert f"Recommendation: {load_weights().options[rec.winner].label}" in text
    assert len(rec.top_reasons()) >= 3
    for reason in rec.top_reasons():
        assert squash(reason.reason) in text
    assert "The X200 carries a 36-month warranty" in text
    assert "References" in text


def test_non_latin_text_prints_with_the_shipped_font(tmp_path: Path) -> None:
    rec = recommend(Answers(project="Zürich · Αθήνα · Москва ≥ 2 → ok"))
    text = pdf_text(render_pdf(build_report(rec)), tmp_path)
    assert "Zürich · Αθήνα · Москва ≥ 2 → ok" in text


def test_without_the_shipped_font_the_pdf_falls_back_to_latin_1(tmp_path: Path) -> None:
    rec = recommend(Answers({"need": "behaviour"}, project="Zürich – Москва ≥ 2"))
    data = render_pdf(build_report(rec), core_fonts_only=True)
    text = pdf_text(data, tmp_path)
    assert "Recommendation: Fine-tune the model" in text
    assert "Zürich - " in text and ">= 2" in text
    for reason in rec.top_reasons():
        assert squash(reason.reason).replace("–", "-") in text


@pytest.mark.parametrize("answers", [{}, {"deployment": "standalone", "citations": "required"}])
def test_edge_case_reports_render(answers: dict, tmp_path: Path) -> None:
    rec = recommend(Answers(answers))
    text = pdf_text(render_pdf(build_report(rec)), tmp_path)
    assert re.search(r"Confidence: (low|medium|high)", text)
