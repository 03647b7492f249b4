"""``ask --server`` and ``eval --server``: the same answers from a model on an OpenAI-compatible server (a real one
on 127.0.0.1), saying where the question went, and one plain line for every mistake a user can make with it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.cli.test_ask_cmd import single_error_line
from tests.conftest import free_port

from crossroads.cli import main

pytestmark = pytest.mark.slow

MODEL = "smollm2-135m-instruct"


def test_ask_with_a_server_answers_in_every_mode_and_says_where_the_question_went(
    model_server: str, policy_kb_dir: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    code = main(["ask", "Where do staff park?", "--server", model_server, "--kb", str(policy_kb_dir),
                 "--max-tokens", "8", "--json"])
    captured = capfd.readouterr()
    assert code == 0, captured.err
    data = json.loads(captured.out)
    assert data["model"] == {"name": MODEL, "path": f"{model_server} (model {MODEL})"}
    assert [a["mode"] for a in data["answers"]] == ["plain", "rag"]
    for answer in data["answers"]:
        assert answer["text"] and 0 < answer["completion_tokens"] <= 8
        assert answer["counts_estimated"] is True  # this server does not report usage in its stream
    assert "lot K7" in data["answers"][1]["sources"][0]["text"]
    assert f"Answering with {model_server} (model {MODEL})" in captured.err


def test_ask_names_the_served_model_with_model(model_server: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "What is the capital city of France?", "--server", model_server, "--model", MODEL,
                 "--max-tokens", "8"]) == 0
    out = capsys.readouterr().out
    assert "Paris" in out and "(about " in out  # the counts are said to be estimates


def test_eval_with_a_server_scores_the_questions(
    model_server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    qa = tmp_path / "qa.jsonl"
    qa.write_text(json.dumps({"question": "What is the capital city of France?", "answers": ["Paris"]}) + "\n")
    out = tmp_path / "results.json"
    assert main(["eval", str(qa), "--server", model_server, "--max-tokens", "8", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    where = f"{model_server} (model {MODEL})"
    assert f"Sending the questions to {where}" in captured.err
    assert captured.out.strip().splitlines()[-1].endswith(f"with {where}")
    data = json.loads(out.read_text())
    assert data["model"] == MODEL
    assert data["questions"][0]["answers"][0]["metrics"]["contained"] == 1.0


@pytest.mark.parametrize("command", ["ask", "eval"])
def test_an_unreachable_server_is_one_line(command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    qa = tmp_path / "qa.jsonl"
    qa.write_text(json.dumps({"question": "Hello?"}) + "\n")
    first = "Hello?" if command == "ask" else str(qa)
    url = f"http://127.0.0.1:{free_port()}/v1"
    assert main([command, first, "--server", url]) == 2
    line = single_error_line(capsys.readouterr().err)
    assert f"Could not reach the model server at {url} (connection refused)" in line


def test_a_model_the_server_does_not_serve_is_one_line_naming_the_served_ones(
    model_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "Hello?", "--server", model_server, "--model", "gpt-9"]) == 2
    line = single_error_line(capsys.readouterr().err)
    assert "does not serve a model called 'gpt-9'" in line and MODEL in line


def test_a_server_url_without_its_api_path_is_one_line_saying_what_to_give(
    model_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "Hello?", "--server", model_server.removesuffix("/v1")]) == 2
    assert "ends in /v1" in single_error_line(capsys.readouterr().err)


def test_something_that_is_not_a_url_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "Hello?", "--server", "localhost:8080"]) == 2
    assert "is not a server URL" in single_error_line(capsys.readouterr().err)


@pytest.mark.parametrize(("flags", "said"), [
    (["--adapter", "tuned.gguf"], "give that name as --finetuned-model"),
    (["--modes", "plain,finetuned"], "name it with --finetuned-model"),
])
def test_the_fine_tuned_modes_with_a_server_need_its_fine_tuned_model_refused_before_anything_is_sent(
    flags: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"  # nobody listens: the refusal must come first
    assert main(["ask", "Hello?", "--server", url, *flags]) == 2
    assert said in single_error_line(capsys.readouterr().err)


def test_ask_with_the_servers_fine_tuned_model_answers_the_fine_tuned_modes_there(
    model_server_with_lora: str, policy_kb_dir: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    from tests.conftest import TUNED_SERVED_MODEL

    code = main(["ask", "What is two plus two?", "--server", model_server_with_lora, "--model", MODEL,
                 "--finetuned-model", TUNED_SERVED_MODEL, "--kb", str(policy_kb_dir), "--max-tokens", "8", "--json"])
    captured = capfd.readouterr()
    assert code == 0, captured.err
    data = json.loads(captured.out)
    answers = {a["mode"]: a["text"] for a in data["answers"]}
    assert list(answers) == ["plain", "rag", "finetuned", "finetuned+rag"]  # every mode the flags make possible
    assert all(answers.values()) and answers["finetuned"] != answers["plain"]
    assert data["adapter"] == {"name": TUNED_SERVED_MODEL,
                               "path": f"{model_server_with_lora} (model {TUNED_SERVED_MODEL})"}


def test_a_fine_tuned_model_the_server_does_not_serve_is_one_line(
    model_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "Hello?", "--server", model_server, "--finetuned-model", "acme-tuned",
                 "--modes", "plain,finetuned"]) == 2
    assert "does not serve a fine-tuned model called 'acme-tuned'" in single_error_line(capsys.readouterr().err)
