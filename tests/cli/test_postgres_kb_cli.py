"""``index``, ``ask`` and ``eval`` take a knowledge base on a PostgreSQL server as ``postgresql://...?kb=NAME``."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from crossroads.cli import main
from crossroads.store.postgres import PostgresKnowledgeBase

POLICY = "# Parking\n\nStaff park in lot K7 behind the Zorbanian warehouse.\n\n# Travel\n\nThe travel allowance is " \
         "73 florins per day.\n"


def single_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and lines[0].startswith("crossroads: ")
    return lines[0]


def test_index_then_ask_with_rag_on_a_server_knowledge_base(
    postgres_kb_url: str, tmp_path: Path, tiny_model_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "client"
    folder.mkdir()
    (folder / "policy.md").write_text(POLICY, encoding="utf-8")
    assert main(["index", str(folder), "--kb", postgres_kb_url, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["indexed"], summary["documents"], summary["path"]) == (1, 1, postgres_kb_url)
    with PostgresKnowledgeBase.open(postgres_kb_url) as kb:
        assert [Path(d.path).name for d in kb.documents()] == ["policy.md"]

    assert main(["index", str(folder), "--kb", postgres_kb_url]) == 0
    assert "skipped" in capsys.readouterr().err

    code = main(["ask", "Where do staff park?", "--kb", postgres_kb_url, "--modes", "rag", "--json",
                 "--max-tokens", "8", "--model", str(tiny_model_path), "--context", "2048", "--threads", "2"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    (rag,) = data["answers"]
    assert rag["mode"] == "rag" and rag["sources"][0]["document"] == "Parking"
    assert "lot K7" in rag["sources"][0]["text"]


def test_eval_with_rag_on_a_server_knowledge_base(
    postgres_kb_url: str, tmp_path: Path, tiny_model_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "policy.md").write_text(POLICY, encoding="utf-8")
    assert main(["index", str(tmp_path / "policy.md"), "--kb", postgres_kb_url]) == 0
    qa = tmp_path / "qa.jsonl"
    qa.write_text(json.dumps({"question": "Where do staff park?", "answers": ["lot K7"]}) + "\n", encoding="utf-8")
    capfd.readouterr()
    assert main(["eval", str(qa), "--kb", postgres_kb_url, "--modes", "rag", "--json", "--model",
                 str(tiny_model_path), "--context", "2048", "--threads", "2", "--max-tokens", "8"]) == 0
    data = json.loads(capfd.readouterr().out)
    assert data["modes"] == ["rag"] and data["summary"]["rag"]["questions"] == 1
    assert data["questions"][0]["answers"][0]["sources"][0] == {"rank": 1, "document": "Parking", "page": None}


def test_an_unreachable_server_is_one_plain_line_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"postgresql://team:hunter2@127.0.0.1:{port}/kbs?kb=acme"
    (tmp_path / "a.txt").write_text("hello", encoding="utf-8")
    assert main(["index", str(tmp_path / "a.txt"), "--kb", url]) == 2
    line = single_error_line(capsys.readouterr().err)
    assert f"The knowledge-base server at 127.0.0.1:{port} is not reachable" in line
    assert "hunter2" not in line
    assert main(["ask", "Where?", "--kb", url, "--modes", "rag"]) == 2
    line = single_error_line(capsys.readouterr().err)
    assert f"127.0.0.1:{port} is not reachable" in line and "hunter2" not in line


def test_a_server_knowledge_base_that_does_not_exist_is_named(
    postgres_kb_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "Where?", "--kb", postgres_kb_url, "--modes", "rag"]) == 2
    assert "There is no knowledge base “test-" in single_error_line(capsys.readouterr().err)


def test_kb_show_and_check_work_on_a_server_knowledge_base_and_rename_says_it_cannot(
    postgres_kb_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "policy.md").write_text(POLICY, encoding="utf-8")
    assert main(["index", str(tmp_path / "policy.md"), "--kb", postgres_kb_url]) == 0
    capsys.readouterr()
    assert main(["kb", "show", postgres_kb_url, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [Path(d["path"]).name for d in shown["documents"]] == ["policy.md"] and shown["chunks"] >= 1
    assert main(["kb", "check", postgres_kb_url]) == 0
    assert "is sound" in capsys.readouterr().err
    assert main(["kb", "rename", postgres_kb_url, "other"]) == 2
    assert "needs one on this computer" in single_error_line(capsys.readouterr().err)
