"""Answers files: a consultant fills one in by hand, and every mistake in it is named in plain words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crossroads.decision.answers import Answers, load_answers, save_answers, template
from crossroads.decision.questions import UNKNOWN, questions
from crossroads.errors import InputError


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_the_template_lists_every_question_unanswered_with_its_allowed_values() -> None:
    t = template()
    assert t["answers"] == {q.id: UNKNOWN for q in questions()}
    listed = {q["id"]: q for q in t["_questions"]}
    for q in questions():
        assert set(listed[q.id]["allowed"]) == set(q.values)
        assert listed[q.id]["question"] == q.prompt


def test_the_template_documents_cost_assumptions_and_the_measured_format() -> None:
    t = template()
    assert "gpu_hour_price" in t["_cost_assumptions"]
    assert all({"label", "value", "unit", "source"} <= set(a) for a in t["_cost_assumptions"].values())
    assert "retrieval_hit_rate" in t["_measured_file"]


def test_the_template_loads_back_as_all_unknown(tmp_path: Path) -> None:
    answers = load_answers(_write(tmp_path, template()))
    assert answers.answered_count() == 0
    assert answers.project == ""


def test_saved_answers_load_back_identical(tmp_path: Path) -> None:
    answers = Answers({"gpu": "small", "need": "both"}, costs={"gpu_hour_price": (2.0, 3.0)}, project="ACME")
    path = tmp_path / "sub" / "answers.json"
    save_answers(answers, path)
    assert load_answers(path) == answers
    assert not list(path.parent.glob(".*.tmp")), "no temporary file is left behind"


def test_values_are_forgiving_about_case_and_spaces(tmp_path: Path) -> None:
    answers = load_answers(_write(tmp_path, {"answers": {"change_frequency": " Monthly ", "gpu": None}}))
    assert answers.get("change_frequency") == "monthly"
    assert answers.get("gpu") == UNKNOWN


def test_an_unknown_question_is_named_with_a_suggestion(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        load_answers(_write(tmp_path, {"answers": {"gpu_budget": "small"}}))
    assert '"gpu_budget"' in err.value.message
    assert 'did you mean "gpu"' in err.value.message


def test_an_unknown_value_is_named_with_the_allowed_ones(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        load_answers(_write(tmp_path, {"answers": {"latency": "fast"}}))
    message = err.value.message
    assert '"latency"' in message and '"fast"' in message
    assert "relaxed, interactive, strict" in message


def test_all_problems_are_reported_at_once_in_one_line(tmp_path: Path) -> None:
    data = {"answers": {"latency": "fast", "colour": "blue", "gpu": 3}, "extras": 1}
    with pytest.raises(InputError) as err:
        load_answers(_write(tmp_path, data))
    message = err.value.message
    for name in ('"fast"', '"colour"', '"gpu"', '"extras"'):
        assert name in message
    assert "\n" not in message


def test_cost_overrides_are_checked_by_name_and_shape(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        load_answers(_write(tmp_path, {"costs": {"gpu_hour_prize": 2, "epochs": [3, 1]}}))
    assert '"gpu_hour_prize"' in err.value.message and "gpu_hour_price" in err.value.message
    assert '"epochs"' in err.value.message


def test_a_cost_override_may_be_one_number_or_a_range(tmp_path: Path) -> None:
    answers = load_answers(_write(tmp_path, {"costs": {"gpu_hour_price": 2.5, "epochs": [1, 2]}}))
    assert answers.costs == {"gpu_hour_price": (2.5, 2.5), "epochs": (1.0, 2.0)}


def test_a_file_that_is_not_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "answers.json"
    path.write_text('{\n  "answers": {"gpu": "small",}\n}', encoding="utf-8")
    with pytest.raises(InputError, match=r"not valid JSON \(line 2"):
        load_answers(path)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nowhere\.json was not found"):
        load_answers(tmp_path / "nowhere.json")


def test_a_json_list_is_refused_with_a_pointer_to_the_template(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="--template"):
        load_answers(_write(tmp_path, ["gpu", "small"]))


def test_answering_unknown_removes_the_answer() -> None:
    answers = Answers({"gpu": "small"}).with_value("gpu", UNKNOWN)
    assert answers.values == {}
