"""``crossroads models …`` through the real CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crossroads.cli import main
from crossroads.models.catalog import load_catalog


def test_models_list_json_lists_the_catalog(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == [e.name for e in load_catalog()]
    tiny = next(r for r in rows if r["name"] == "smollm2-135m-instruct")
    assert tiny["present"] is True
    assert tiny["role"] == "chat"
    assert tiny["licence"] == "Apache-2.0"
    assert tiny["size"] == 98362432


def test_models_list_marks_missing_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CROSSROADS_MODELS_DIR", str(tmp_path))
    assert main(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert "smollm2-135m-instruct" in out
    assert "missing" in out and "present" not in out


def test_models_info_shows_the_header_and_the_memory_estimate(tiny_model_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "info", "smollm2-135m-instruct", "--json", "--context", "2048"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["architecture"] == "llama"
    assert data["quantisation"] == "Q4_1"
    assert data["memory"]["context_size"] == 2048
    assert data["memory"]["kv_cache_bytes"] == 47_185_920
    assert data["memory"]["fits"] is True
    assert main(["models", "info", str(tiny_model_path)]) == 0
    assert "Q4_1" in capsys.readouterr().out


def test_models_info_on_a_bad_file_prints_one_plain_line(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "report.gguf"
    bad.write_text("quarterly figures")
    assert main(["models", "info", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("crossroads: report.gguf is not a GGUF model file.")


def test_models_scan_json_reports_extra_folders(tmp_path: Path, tiny_model_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "copy.gguf").symlink_to(tiny_model_path)
    assert main(["models", "scan", "--json", "--dir", str(extra)]) == 0
    found = json.loads(capsys.readouterr().out)
    # the checkout's own copy of the same file is found first, so the link is not listed twice
    assert [f["source"] for f in found if Path(f["path"]).resolve() == tiny_model_path.resolve()] == [
        "Crossroads"]


def test_models_pull_of_a_present_model_only_verifies(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "pull", "smollm2-135m-instruct"]) == 0
    assert "ready" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["models", "pull"], "Name the models to pull, or use --all"),
        (["models", "pull", "--role", "chat", "smollm2-135m-instruct"], "--role only goes with --all"),
        (["models", "pull", "gpt-5"], "no model called “gpt-5”"),
        (["models", "info", "x.gguf", "--context", "0"], "--context must be a positive number"),
    ],
)
def test_models_commands_refuse_bad_arguments_plainly(argv: list[str], words: str,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert words in capsys.readouterr().err
