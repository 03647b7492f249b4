"""Saving evaluations and question sets: files a spreadsheet and ``load_questions`` read back as they were."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from crossroads.compare import Answer, Source
from crossroads.engine.events import Timings
from crossroads.errors import InputError
from crossroads.evaluation.evaluate import Evaluation, QAItem, QuestionResult, load_questions
from crossroads.evaluation.export import CSV_COLUMNS, csv_rows, write_csv, write_json, write_questions


def _answer(mode: str, text: str, metrics: dict, sources: list[Source] | None = None) -> Answer:  # type: ignore[type-arg]
    return Answer(mode, text, "stop", Timings(12, 5, 0, 0.25, 1.5, 20.0), sources or [], metrics)


SOURCE = Source(1, "Handbook.pdf", "/docs/Handbook.pdf", 5, None, 7, 0.8, "Allowance: €58 a day.", 0, 21)
EVALUATION = Evaluation(
    "tiny",
    ["plain", "rag"],
    [
        QuestionResult(
            QAItem("What is the daily allowance?", ("€58", "58 euros")),
            [
                _answer("plain", "About €40, I think.", {"contained": 0.0, "f1": 0.0, "grounded_share": 0.0}),
                _answer("rag", "The allowance is €58 [1].", {"contained": 1.0, "f1": 0.5, "grounded_share": 1.0},
                        [SOURCE]),
            ],
        ),
        QuestionResult(
            QAItem("Who is the CEO?"),
            [
                _answer("plain", 'She is "Ada", ok', {"grounded_share": None}),
                _answer("rag", "Not in the documents.", {"grounded_share": None}),
            ],
        ),
    ],
    seconds=3.0,
)


def test_csv_has_one_row_per_question_and_mode_and_leaves_missing_figures_empty(tmp_path: Path) -> None:
    path = tmp_path / "results.csv"
    write_csv(EVALUATION, path)

    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads the € sign right
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
    assert tuple(reader.fieldnames or ()) == CSV_COLUMNS
    assert [(r["number"], r["mode"]) for r in rows] == [("1", "plain"), ("1", "rag"), ("2", "plain"), ("2", "rag")]
    rag = rows[1]
    assert rag["question"] == "What is the daily allowance?"
    assert rag["expected_answers"] == "€58 | 58 euros"
    assert rag["mode_label"] == "Model + your documents"
    assert rag["answer"] == "The allowance is €58 [1]."
    assert (rag["contained"], rag["f1"], rag["grounded_share"]) == ("1.0", "0.5", "1.0")
    assert (rag["wall_s"], rag["ttft_s"], rag["completion_tokens"]) == ("1.5", "0.25", "5")
    assert rag["sources"] == "Handbook.pdf, page 5"
    assert rows[2]["answer"] == 'She is "Ada", ok'
    assert rows[2]["contained"] == "" and rows[2]["grounded_share"] == ""


def test_csv_rows_match_the_evaluation_in_order() -> None:
    rows = csv_rows(EVALUATION)
    assert [(r["question"], r["mode"], r["answer"]) for r in rows] == [
        (r.item.question, a.mode, a.text) for r in EVALUATION.results for a in r.answers
    ]


def test_json_is_the_evaluation_as_a_dict(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    write_json(EVALUATION, path)
    assert json.loads(path.read_text(encoding="utf-8")) == json.loads(json.dumps(EVALUATION.to_dict()))
    assert "€58" in path.read_text(encoding="utf-8")  # readable, not \u20ac


@pytest.mark.parametrize("name", ["typed.jsonl", "typed.csv"])
def test_a_typed_question_set_saves_to_a_file_that_loads_back(tmp_path: Path, name: str) -> None:
    items = [QAItem("Where, exactly, do staff park?", ("lot K7", "K7")), QAItem('Who is "the" CEO?')]
    write_questions(items, tmp_path / name)
    assert load_questions(tmp_path / name) == items


def test_saving_into_a_missing_folder_says_so_and_leaves_nothing_behind(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"results\.csv could not be saved in .*missing"):
        write_csv(EVALUATION, tmp_path / "missing" / "results.csv")
    assert list(tmp_path.iterdir()) == []


def test_saving_over_an_earlier_export_replaces_it_whole(tmp_path: Path) -> None:
    target = tmp_path / "results.json"
    target.write_text("x" * 100_000, encoding="utf-8")
    write_json(EVALUATION, target)
    assert json.loads(target.read_text(encoding="utf-8"))["model"] == "tiny"
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]


def test_saving_onto_a_folder_says_so_and_leaves_the_folder_alone(tmp_path: Path) -> None:
    (tmp_path / "results.csv").mkdir()
    (tmp_path / "results.csv" / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(InputError, match=r"results\.csv could not be saved"):
        write_csv(EVALUATION, tmp_path / "results.csv")
    assert (tmp_path / "results.csv" / "keep.txt").read_text(encoding="utf-8") == "mine"
    assert [p.name for p in tmp_path.iterdir()] == ["results.csv"]


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://example.invalid\",\"x\")", "+1+2", "-2+3", "@SUM(A1)",
                                  "\tindent", "\rreturn"])
def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_saved_as_text(tmp_path: Path, text: str) -> None:
    """OWASP's CSV-injection advice: a leading apostrophe. Answers and questions come from models and documents."""
    evaluation = Evaluation("tiny", ["plain"], [
        QuestionResult(QAItem(text, (text,)), [_answer("plain", text, {"grounded_share": -0.5})]),
    ])
    write_csv(evaluation, tmp_path / "results.csv")
    with (tmp_path / "results.csv").open(encoding="utf-8-sig", newline="") as handle:
        row = next(csv.DictReader(handle))
    assert row["question"] == row["answer"] == row["expected_answers"] == "'" + text
    assert row["grounded_share"] == "-0.5"  # numbers stay numbers


def test_a_question_set_with_formula_like_questions_round_trips(tmp_path: Path) -> None:
    items = [QAItem("=1+1 is what?", ("-2", "@x")), QAItem("Plain?")]
    write_questions(items, tmp_path / "typed.csv")
    assert "'=1+1" in (tmp_path / "typed.csv").read_text(encoding="utf-8-sig")
    assert load_questions(tmp_path / "typed.csv") == items


def test_a_question_that_failed_is_a_row_that_says_why(tmp_path: Path) -> None:
    failed = QuestionResult(QAItem("Too long?", ("x",)), [], error="The prompt is too long.")
    evaluation = Evaluation("tiny", ["plain", "rag"], [*EVALUATION.results, failed])
    write_csv(evaluation, tmp_path / "results.csv")
    with (tmp_path / "results.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["number"], r["mode"], r["error"]) for r in rows][-1] == ("3", "", "The prompt is too long.")
    assert all(r["error"] == "" for r in rows[:-1])
    assert evaluation.to_dict()["questions"][-1]["error"] == "The prompt is too long."
