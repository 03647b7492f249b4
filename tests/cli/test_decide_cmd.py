"""`crossroads decide`: the wizard headless, from a template a consultant fills in before the meeting."""

from __future__ import annotations

import json
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from crossroads.cli import main

ANSWERS = {
    "project": "Pump support assistant",
    "answers": {"change_frequency": "weekly", "citations": "required", "need": "facts", "gpu": "none"},
}


def _write(tmp_path: Path, name: str, data: object) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def test_template_prints_every_question_unanswered(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["decide", "--template"]) == 0
    template = json.loads(capsys.readouterr().out)
    assert template["answers"] and set(template["answers"].values()) == {"unknown"}
    assert {q["id"] for q in template["_questions"]} == set(template["answers"])


def test_a_filled_in_template_gives_a_markdown_recommendation(tmp_path: Path, capsys) -> None:
    main(["decide", "--template", "--out", str(tmp_path / "answers.json")])
    filled = json.loads((tmp_path / "answers.json").read_text(encoding="utf-8"))
    filled["answers"].update(ANSWERS["answers"])
    path = _write(tmp_path, "filled.json", filled)
    capsys.readouterr()
    assert main(["decide", "--answers", path]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Fine-tune or RAG? Decision report")
    assert "Recommendation: Retrieval-augmented generation (RAG)" in out


def test_json_output_carries_the_winner_scores_and_reasons(tmp_path: Path, capsys) -> None:
    assert main(["decide", "--answers", _write(tmp_path, "a.json", ANSWERS), "--format", "json"]) == 0
    decision = json.loads(capsys.readouterr().out)
    assert decision["winner"] == "rag"
    assert set(decision["scores"]) == {"rag", "fine_tune", "hybrid", "long_context", "fix_retrieval"}
    assert all(r["reason"] for r in decision["top_reasons"])


def test_measured_results_change_the_outcome_and_say_so(tmp_path: Path, capsys) -> None:
    measured = {
        "questions": 50,
        "retrieval_hit_rate": 0.3,
        "modes": {"plain": {"contained": 0.1}, "rag": {"contained": 0.25}},
    }
    args = ["decide", "--answers", _write(tmp_path, "a.json", ANSWERS), "--format", "json"]
    assert main([*args, "--measured", _write(tmp_path, "m.json", measured)]) == 0
    decision = json.loads(capsys.readouterr().out)
    assert decision["winner"] == "fix_retrieval"
    assert decision["measured"]["changed"] is True
    assert "measured on your 50 questions" in json.dumps(decision).lower()


def test_html_goes_to_a_file(tmp_path: Path, capsys) -> None:
    out = tmp_path / "report.html"
    assert (
        main(["decide", "--answers", _write(tmp_path, "a.json", ANSWERS), "--format", "html", "--out", str(out)]) == 0
    )
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert capsys.readouterr().out == ""


def test_a_pdf_export_contains_the_recommendation_and_its_reasons(tmp_path: Path) -> None:
    out = tmp_path / "decision.pdf"
    assert main(["decide", "--answers", _write(tmp_path, "a.json", ANSWERS), "--format", "pdf", "--out", str(out)]) == 0
    doc = pdfium.PdfDocument(str(out))
    try:
        text = " ".join(" ".join(doc[i].get_textpage().get_text_range() for i in range(len(doc))).split())
    finally:
        doc.close()
    assert "Recommendation: Retrieval-augmented generation (RAG)" in text
    assert "Weekly changes rule out retraining for each change" in text


def test_a_pdf_needs_an_output_file(tmp_path: Path, capsys) -> None:
    assert main(["decide", "--answers", _write(tmp_path, "a.json", ANSWERS), "--format", "pdf"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("crossroads: ") and "--out" in err
    assert err.count("\n") == 1


def test_unknown_questions_and_values_are_named_on_one_line(tmp_path: Path, capsys) -> None:
    bad = {"answers": {"change_frequncy": "weekly", "latency": "fast"}}
    assert main(["decide", "--answers", _write(tmp_path, "bad.json", bad)]) == 2
    err = capsys.readouterr().err
    assert '"change_frequncy"' in err and 'did you mean "change_frequency"' in err
    assert '"latency" cannot be "fast"' in err
    assert err.count("\n") == 1


def test_a_missing_answers_file_is_named(tmp_path: Path, capsys) -> None:
    assert main(["decide", "--answers", str(tmp_path / "missing.json")]) == 2
    assert "missing.json was not found" in capsys.readouterr().err


def test_nothing_to_do_explains_both_ways_in(capsys) -> None:
    assert main(["decide"]) == 2
    err = capsys.readouterr().err
    assert "--answers" in err and "--template" in err


def test_an_unwritable_output_is_reported_plainly(tmp_path: Path, capsys) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    target = blocker / "report.md"
    assert main(["decide", "--answers", _write(tmp_path, "a.json", ANSWERS), "--out", str(target)]) == 2
    assert "Could not write" in capsys.readouterr().err
