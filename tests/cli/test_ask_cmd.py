"""``crossroads ask``: JSON a script can parse, text a person can read, one plain line when something is wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crossroads.cli import main

QUESTION = "Where do staff park?"


@pytest.fixture
def kb_dir(policy_kb_dir: Path) -> Path:
    return policy_kb_dir


@pytest.fixture
def model_flags(tiny_model_path: Path) -> list[str]:
    return ["--model", str(tiny_model_path), "--context", "2048", "--threads", "2"]


def single_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("crossroads: ")
    return lines[0]


def test_json_output_is_exactly_one_object_with_the_contract_keys(
    kb_dir: Path, model_flags: list[str], capfd: pytest.CaptureFixture[str]
) -> None:
    code = main(["ask", f"  {QUESTION} ", "--kb", str(kb_dir), "--json", "--max-tokens", "12", *model_flags])
    out = capfd.readouterr().out
    assert code == 0
    data = json.loads(out)  # the whole of stdout is one JSON document: no streamed tokens, no log lines
    assert data["question"] == QUESTION
    assert data["model"]["path"] == model_flags[1] and data["model"]["name"]
    assert [a["mode"] for a in data["answers"]] == ["plain", "rag"]
    for answer in data["answers"]:
        assert {"mode", "text", "prompt_tokens", "completion_tokens", "ttft_s", "tokens_per_s", "wall_s", "sources",
                "metrics"} <= set(answer)
        assert isinstance(answer["text"], str) and 0 < answer["completion_tokens"] <= 12
        assert {"grounded_share", "k_precision"} <= set(answer["metrics"])
    plain, rag = data["answers"]
    assert plain["sources"] == []
    assert [s["rank"] for s in rag["sources"]] == list(range(1, len(rag["sources"]) + 1))
    best = rag["sources"][0]
    assert {"rank", "document", "page", "chunk_id", "score", "text"} <= set(best)
    assert best["document"] == "Parking" and best["page"] is None and "lot K7" in best["text"]
    assert isinstance(best["chunk_id"], int) and best["score"] > 0


def test_human_output_shows_both_answers_under_their_labels_with_sources(
    kb_dir: Path, model_flags: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", QUESTION, "--kb", str(kb_dir), "--max-tokens", "8", *model_flags]) == 0
    out = capsys.readouterr().out
    assert "== Model only ==" in out and "== Model + your documents ==" in out
    assert out.index("== Model only ==") < out.index("== Model + your documents ==")
    assert "[1] Parking" in out and "tokens/s" in out


def test_plain_mode_streams_the_answer_then_its_figures(
    model_flags: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "What is the capital of France?", "--max-tokens", "8", *model_flags]) == 0
    captured = capsys.readouterr()
    lines = captured.out.strip().splitlines()
    assert lines[0].strip() and "==" not in lines[0]
    assert "tokens, first after" in lines[-1]
    assert "Answering with" in captured.err


def test_a_single_rag_answer_streams_and_still_lists_its_sources(
    kb_dir: Path, model_flags: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", QUESTION, "--kb", str(kb_dir), "--modes", "rag", "--max-tokens", "8", *model_flags]) == 0
    out = capsys.readouterr().out
    assert "==" not in out and "tokens, first after" in out
    assert "  [1] Parking, Parking  (score " in out  # document, then its section


@pytest.mark.parametrize("kb", ["no-such-client", "folder/that/is/not/there"])
def test_an_unknown_knowledge_base_is_one_line_naming_it(
    kb: str, model_flags: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", QUESTION, "--kb", kb, *model_flags]) == 2
    line = single_error_line(capsys.readouterr().err)
    assert kb in line and "crossroads index" in line


@pytest.mark.parametrize(
    ("name", "content"),
    [("notes.gguf", b"These are my meeting notes, not a model.\n" * 20), ("empty.gguf", b""),
     ("report.pdf", b"%PDF-1.7\n" + b"0" * 4096)],
)
def test_a_model_file_that_is_not_a_gguf_is_one_line(
    tmp_path: Path, name: str, content: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert main(["ask", QUESTION, "--model", str(path)]) == 2
    line = single_error_line(capsys.readouterr().err)
    assert name in line


def test_a_missing_model_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "gone" / "model.gguf"
    assert main(["ask", QUESTION, "--model", str(missing)]) == 2
    line = single_error_line(capsys.readouterr().err)
    assert str(missing) in line


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (["   "], "question is empty"),
        ([QUESTION, "--modes", "plain,fine-tuned"], "Unknown mode fine-tuned"),
        ([QUESTION, "--modes", "plain,finetuned"], "needs a fine-tuned adapter"),
        ([QUESTION, "--modes", "rag"], "needs a knowledge base"),
        ([QUESTION, "--max-tokens", "0"], "--max-tokens"),
        ([QUESTION, "--temperature", "-1"], "--temperature"),
    ],
)
def test_a_mistake_in_the_request_is_one_line_before_any_model_loads(
    options: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # The model named here does not exist: the mistake must be reported before anyone tries to load it.
    assert main(["ask", *options, "--model", "not-a-model.gguf"]) == 2
    assert words in single_error_line(capsys.readouterr().err)
