"""``crossroads eval``: a question file in, scores per mode and per question out; bad files named by line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crossroads.cli import main
from crossroads.evaluation.evaluate import SCORES

LATENCIES = ("median_wall_s", "median_ttft_s", "median_tokens_per_s")


@pytest.fixture
def kb_dir(policy_kb_dir: Path) -> Path:
    return policy_kb_dir


@pytest.fixture
def model_flags(tiny_model_path: Path) -> list[str]:
    return ["--model", str(tiny_model_path), "--context", "2048", "--threads", "2", "--max-tokens", "8"]


def write_jsonl(path: Path, rows: list[object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def single_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and lines[0].startswith("crossroads: ")
    return lines[0]


def test_json_gives_a_summary_per_mode_and_the_result_of_each_question(
    tmp_path: Path, kb_dir: Path, model_flags: list[str], capfd: pytest.CaptureFixture[str]
) -> None:
    qa = write_jsonl(tmp_path / "qa.jsonl", [
        {"question": "Where do staff park?", "answers": ["lot K7"]},
        {"question": "How much is the travel allowance per day?", "answers": ["73 florins"]},
    ])
    assert main(["eval", str(qa), "--kb", str(kb_dir), "--json", *model_flags]) == 0
    captured = capfd.readouterr()
    data = json.loads(captured.out)
    assert data["modes"] == ["plain", "rag"] and data["model"]
    for mode in ("plain", "rag"):
        row = data["summary"][mode]
        assert set(row) == {"questions", *SCORES, "median_words", *LATENCIES}
        assert row["questions"] == 2
        assert all(isinstance(row[s], float) for s in ("exact_match", "f1", "contained"))
    assert [q["question"] for q in data["questions"]] == [
        "Where do staff park?", "How much is the travel allowance per day?"
    ]
    first = data["questions"][0]
    assert first["gold"] == ["lot K7"]
    assert [a["mode"] for a in first["answers"]] == ["plain", "rag"]
    assert first["answers"][0]["sources"] == []
    assert first["answers"][1]["sources"][0] == {"rank": 1, "document": "Parking", "page": None}
    assert {"exact_match", "f1", "contained"} <= set(first["answers"][1]["metrics"])
    assert "[1/2]" in captured.err and "[2/2]" in captured.err  # progress goes to stderr, not into the JSON


def test_csv_input_with_bar_separated_answers_limit_and_out_file(
    tmp_path: Path, model_flags: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    qa = tmp_path / "qa.csv"
    qa.write_text(
        "question,answers\nWhat is the capital of France?,Paris|paris city\nWho wrote Hamlet?,Shakespeare\n"
        "What colour is the sky?,blue\n",
        encoding="utf-8",
    )
    out_file = tmp_path / "results" / "eval.json"
    out_file.parent.mkdir()
    assert main(["eval", str(qa), "--limit", "2", "--json", "--out", str(out_file), *model_flags]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert json.loads(out_file.read_text(encoding="utf-8")) == printed
    assert printed["modes"] == ["plain"]
    assert [(q["question"], q["gold"]) for q in printed["questions"]] == [
        ("What is the capital of France?", ["Paris", "paris city"]),
        ("Who wrote Hamlet?", ["Shakespeare"]),
    ]
    assert printed["summary"]["plain"]["questions"] == 2


def test_human_output_is_a_table_with_one_row_per_mode(
    tmp_path: Path, model_flags: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    qa = write_jsonl(tmp_path / "qa.jsonl", [{"question": "What is the capital of France?", "answers": ["Paris"]}])
    assert main(["eval", str(qa), *model_flags]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].split()[:3] == ["mode", "questions", "exact_match"]
    assert lines[1].split()[:2] == ["plain", "1"]
    assert lines[-1].startswith("1 questions in ")


@pytest.mark.parametrize(
    ("rows", "words"),
    [
        (['{"question": "a?"}', '{"question": "b?"}', '{"question": "c?", answers: []}'], "Line 3"),
        (['{"question": "a?"}', '{"answers": ["x"]}'], 'Line 2 of qa.jsonl needs a "question"'),
        (['{"question": "a?", "answers": "x"}', '{"question": "b?", "answers": {"x": 1}}'],
         'Line 2 of qa.jsonl: "answers" must be a list'),
    ],
)
def test_a_malformed_question_file_is_one_line_naming_the_line(
    tmp_path: Path, rows: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    qa = tmp_path / "qa.jsonl"
    qa.write_text("\n".join(rows) + "\n", encoding="utf-8")
    # No model is loaded before the file is read: a wrong model name would be reported second.
    assert main(["eval", str(qa), "--model", "not-a-model.gguf"]) == 2
    assert words in single_error_line(capsys.readouterr().err)


@pytest.mark.parametrize("limit", ["0", "-1"])
def test_a_limit_below_one_is_refused(tmp_path: Path, limit: str, capsys: pytest.CaptureFixture[str]) -> None:
    qa = write_jsonl(tmp_path / "qa.jsonl", [{"question": "a?"}, {"question": "b?"}])
    assert main(["eval", str(qa), "--limit", limit]) == 2
    assert "--limit" in single_error_line(capsys.readouterr().err)


def test_a_missing_question_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(tmp_path / "nope.jsonl")]) == 2
    assert "nope.jsonl does not exist" in single_error_line(capsys.readouterr().err)


def test_an_unknown_knowledge_base_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    qa = write_jsonl(tmp_path / "qa.jsonl", [{"question": "a?"}])
    assert main(["eval", str(qa), "--kb", "no-such-client"]) == 2
    assert "no-such-client" in single_error_line(capsys.readouterr().err)


def test_rag_without_a_knowledge_base_is_refused_before_any_model_loads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    questions = tmp_path / "qa.jsonl"
    questions.write_text('{"question": "Where do staff park?"}\n', encoding="utf-8")
    assert main(["eval", str(questions), "--modes", "rag", "--model", str(tmp_path / "absent.gguf")]) == 2
    err = capsys.readouterr().err
    assert "needs a knowledge base" in err and "absent.gguf" not in err
