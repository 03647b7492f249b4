"""``crossroads finetune``: trains from a pairs file, prints the adapter, lists and deletes it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.finetune.conftest import FACT_PAIRS

from crossroads.cli import main

pytestmark = pytest.mark.slow


def test_train_from_pairs_then_list_and_delete(tmp_path: Path, tiny_model_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "facts.jsonl"
    data.write_text("".join(json.dumps({"question": q, "answer": a}) + "\n" for q, a in FACT_PAIRS), encoding="utf-8")
    evalset = tmp_path / "eval.jsonl"
    evalset.write_text(json.dumps({"question": FACT_PAIRS[0][0]}) + "\n", encoding="utf-8")
    code = main(["finetune", "--data", str(data), "--model", str(tiny_model_path), "--steps", "3",
                 "--accumulation", "1", "--max-length", "96", "--general", "0", "--name", "facts",
                 "--eval-set", str(evalset), "--threads", "1", "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    result = json.loads(captured.out)
    assert Path(result["adapter"]).is_file() and result["steps"] == 3 and result["verified"] is True
    assert "also in eval.jsonl" in captured.err and "step 3/3" in captured.err

    assert main(["finetune", "list", "--json"]) == 0
    assert [r["name"] for r in json.loads(capsys.readouterr().out)] == ["facts"]
    assert main(["finetune", "delete", "facts"]) == 0
    assert main(["finetune", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_no_data_is_refused_in_words(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["finetune"]) == 2
    assert "--kb" in capsys.readouterr().err
