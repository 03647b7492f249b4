"""Where the answer sat in what the model read: each answerable question counted at the first source holding it."""

from __future__ import annotations

import gzip
import json
from pathlib import Path


def test_each_question_counts_at_the_first_source_that_holds_its_answer(position) -> None:
    from crossroads.evaluation.metrics import retrieval_hit

    rows = [
        {"answerable": True, "gold": ["Kubiak"], "passages": ["Kubiak coached.", "Kubiak again."], "contained": 1.0},
        {"answerable": True, "gold": ["Rivera"], "passages": ["Kubiak coached.", "Rivera coached."], "contained": 0.0},
        {"answerable": True, "gold": ["Elway"], "passages": ["Kubiak coached."], "contained": 1.0},
        {"answerable": False, "gold": [], "passages": ["Kubiak coached."], "contained": 0.0},
    ]
    assert dict(position.positions(rows, retrieval_hit)) == {"1": [1.0], "2": [0.0], "none": [1.0]}


def test_it_prints_one_line_per_set_and_place_from_a_harness_file(position, tmp_path: Path, capsys) -> None:
    rows = [{"answerable": True, "gold": ["27 days"], "passages": ["Staff get 27 days."], "contained": 1.0},
            {"answerable": True, "gold": ["36"], "passages": ["None here.", "36 months."], "contained": 0.0}]
    results = tmp_path / "run.json.gz"
    with gzip.open(results, "wt", encoding="utf-8") as f:
        json.dump({"sets": {"demo": {"ours/rag": rows}}}, f)
    assert position.main([str(results)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "POSITION demo first_source_with_answer=1 n=1 contained=1.000",
        "POSITION demo first_source_with_answer=2 n=1 contained=0.000",
    ]


def test_a_file_that_is_not_a_harness_run_gets_a_plain_message(position, tmp_path: Path, capsys) -> None:
    import pytest

    other = tmp_path / "notes.json"
    other.write_text("{}", encoding="utf-8")
    for path in (other, tmp_path / "missing.json.gz"):
        with pytest.raises(SystemExit) as stopped:
            position.main([str(path)])
        assert stopped.value.code == 2
        assert "is not a file written by eval_quality.py --out" in capsys.readouterr().err
