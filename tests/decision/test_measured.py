"""Measured results on the user's own questions move the recommendation, and the report says how."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crossroads.decision.measured import Measured, load_measured
from crossroads.errors import InputError

from .helpers import measured, rec


def test_a_big_gain_from_the_documents_is_strong_evidence_for_rag() -> None:
    r = rec(measured(plain={"contained": 0.08}, rag={"contained": 0.72}), need="behaviour")
    assert r.winner == "rag"
    reason = next(c for c in r.contributions if c.source == "measured:rag_gain_large" and c.option == "rag")
    assert "Measured on your 60 questions" in reason.reason
    assert "72%" in reason.reason and "8%" in reason.reason
    assert r.measured_effect is not None and r.measured_effect.changed
    assert r.measured_effect.before == "fine_tune" and r.measured_effect.after == "rag"
    assert "changed the recommendation" in r.measured_effect.summary


def test_low_accuracy_with_a_low_hit_rate_says_fix_retrieval_first() -> None:
    r = rec(measured(hit=0.35, plain={"contained": 0.1}, rag={"contained": 0.2}))
    assert r.winner == "fix_retrieval"
    assert any("35%" in c.reason for c in r.top_reasons())


def test_good_search_but_weak_answers_points_to_training_the_model_to_read() -> None:
    r = rec(measured(hit=0.92, plain={"contained": 0.1}, rag={"contained": 0.3}))
    assert r.winner == "hybrid"
    assert any(c.source == "measured:model_misreads_passages" for c in r.top_reasons())


def test_measurements_that_agree_confirm_the_recommendation() -> None:
    r = rec(measured(hit=0.9, plain={"contained": 0.1}, rag={"contained": 0.8}), need="facts")
    assert r.winner == "rag"
    assert r.measured_effect is not None and not r.measured_effect.changed
    assert "confirm" in r.measured_effect.summary


def test_few_questions_count_for_half() -> None:
    many = rec(measured(n=60, plain={"contained": 0.1}, rag={"contained": 0.8}))
    few = rec(measured(n=8, plain={"contained": 0.1}, rag={"contained": 0.8}))
    delta = {c.source: c.delta for c in many.contributions if c.option == "rag" and c.kind == "measured"}
    delta_few = {c.source: c.delta for c in few.contributions if c.option == "rag" and c.kind == "measured"}
    assert delta_few == {k: v / 2 for k, v in delta.items()}
    assert any("only 8 questions" in c.reason for c in few.contributions if c.kind == "measured")


def test_a_fine_tuned_mode_that_beats_rag_counts_for_fine_tuning() -> None:
    r = rec(measured(rag={"contained": 0.5}, fine_tuned={"contained": 0.7}))
    assert any(c.source == "measured:fine_tuned_beats_rag" and c.option == "fine_tune" for c in r.contributions)


def test_rag_latency_over_budget_counts_only_when_a_budget_was_given() -> None:
    slow = measured(plain={"latency_s": 1.0}, rag={"latency_s": 9.0})
    assert not any(c.source == "measured:rag_over_latency_budget" for c in rec(slow).contributions)
    r = rec(slow, latency="strict")
    reason = next(c for c in r.contributions if c.source == "measured:rag_over_latency_budget")
    assert "9.0 seconds" in reason.reason and "2 seconds" in reason.reason


def test_a_measured_hit_rate_replaces_the_stated_search_quality_and_a_contradiction_is_named() -> None:
    r = rec(measured(hit=0.3), retrieval_quality="good")
    assert not any(c.source.startswith("retrieval_quality=") for c in r.contributions)
    assert "measured_search_contradicts_answer" in {cid for cid, _ in r.conflicts}
    assert any("replaces" in note for note in r.notes)
    assert not any(f.question == "retrieval_quality" for f in r.what_would_change)


def test_the_measured_file_is_validated_with_every_problem_named() -> None:
    with pytest.raises(InputError) as err:
        Measured.from_dict({"modes": {"rag": {"contained": 1.4, "latency_s": -1}, "gpt": {}}, "extra": 1})
    message = err.value.message
    for name in ("'questions'", "rag.contained", "rag.latency_s", "gpt", "extra"):
        assert name in message


def test_extra_numeric_metrics_are_kept_for_the_report() -> None:
    m = Measured.from_dict({"questions": 5, "modes": {"rag": {"rouge_l": 0.4}}})
    assert m.metric("rag", "rouge_l") == 0.4


def test_a_measured_file_is_loaded_and_a_broken_one_named(tmp_path: Path) -> None:
    good = tmp_path / "m.json"
    good.write_text(json.dumps(measured(hit=0.5, rag={"f1": 0.4})), encoding="utf-8")
    assert load_measured(good).retrieval_hit_rate == 0.5
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.json is not valid JSON"):
        load_measured(bad)
