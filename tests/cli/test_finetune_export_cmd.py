"""``crossroads finetune --export DIR``: the data and trainer configs for a GPU box, nothing trained."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crossroads.cli import main

PAIRS = [(f"What does clause {i} of the Zorbanian lease say?", f"Clause {i} sets the rent at {70 + i} florins.")
         for i in range(8)]


@pytest.fixture
def qa_file(tmp_path: Path) -> Path:
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps({"question": q, "answer": a}) + "\n" for q, a in PAIRS), encoding="utf-8")
    return path


def test_export_writes_both_trainers_files_and_warns_of_evaluation_questions(
    tmp_path: Path, qa_file: Path, tiny_model_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    evalset = tmp_path / "eval.jsonl"
    evalset.write_text(json.dumps({"question": PAIRS[2][0]}) + "\n", encoding="utf-8")
    out = tmp_path / "for-gpu"
    code = main(["finetune", "--data", str(qa_file), "--model", str(tiny_model_path), "--general", "0",
                 "--export", str(out), "--eval-set", str(evalset), "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    result = json.loads(captured.out)
    assert result["train"] + result["validation"] == len(PAIRS) and result["validation"] >= 1
    assert result["evaluation_overlap"] == [PAIRS[2][0]]
    assert "also in eval.jsonl" in captured.err
    assert "WARNING: 1 training question(s)" in (out / "README.txt").read_text(encoding="utf-8")
    for name in ("axolotl.yaml", "llama_factory.yaml", "data/dataset_info.json", "data/train.jsonl",
                 "data/validation.jsonl"):
        assert (out / name).is_file(), name
    assert main(["finetune", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []  # nothing was trained or kept


def test_export_for_one_trainer_and_an_unknown_one_refused(
    tmp_path: Path, qa_file: Path, tiny_model_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["finetune", "--data", str(qa_file), "--model", str(tiny_model_path), "--general", "0"]
    assert main([*base, "--export", str(tmp_path / "ax"), "--trainer", "axolotl"]) == 0
    assert (tmp_path / "ax" / "axolotl.yaml").is_file() and not (tmp_path / "ax" / "llama_factory.yaml").exists()
    capsys.readouterr()
    assert main([*base, "--export", str(tmp_path / "x"), "--trainer", "unsloth"]) == 2
    assert "Unknown trainer unsloth" in capsys.readouterr().err
