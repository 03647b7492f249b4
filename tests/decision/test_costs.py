"""The cost estimate: ranges from stated, sourced assumptions that the user can change."""

from __future__ import annotations

import pytest

from crossroads.decision.answers import Answers
from crossroads.decision.costs import default_assumptions, estimate_costs
from crossroads.decision.evidence import known_ids
from crossroads.decision.units import format_range


def _line(estimate, option: str, item_start: str):
    return next(line for line in estimate.for_option(option).lines if line.item.startswith(item_start))


def test_every_assumption_states_label_range_unit_and_source() -> None:
    for a in default_assumptions().values():
        assert a.label and a.unit and a.source, a.id
        assert 0 <= a.low <= a.high, a.id
        assert set(a.evidence) <= known_ids(), a.id


def test_every_option_gets_an_estimate_with_effort_and_compute() -> None:
    estimate = estimate_costs(Answers())
    assert {o.option for o in estimate.options} == {"rag", "fine_tune", "hybrid", "long_context", "fix_retrieval"}
    for option in estimate.options:
        assert option.lines
        assert any(line.unit == "person-days" for line in option.lines)


def test_unanswered_inputs_are_filled_in_and_said_so() -> None:
    estimate = estimate_costs(Answers())
    assert any("Size of the collection was not answered" in note for note in estimate.assumed)
    answered = {"corpus_size": "few_pages", "model_size": "tiny", "training_data": "some_examples", "gpu": "small"}
    assert not estimate_costs(Answers({**answered, "change_frequency": "weekly"})).assumed


def test_a_larger_collection_takes_longer_to_index_and_more_space() -> None:
    small = estimate_costs(Answers({"corpus_size": "tens_of_pages"}))
    large = estimate_costs(Answers({"corpus_size": "thousands_of_pages"}))
    for item in ("Indexing the collection", "Index storage"):
        assert _line(large, "rag", item).high > _line(small, "rag", item).high


def test_indexing_time_follows_the_measured_embedding_speed() -> None:
    e = estimate_costs(Answers({"corpus_size": "hundreds_of_pages"}))
    line = _line(e, "rag", "Indexing the collection")
    # 20,000-200,000 tokens in 200-token chunks at 28-75 chunks/s
    assert line.low == pytest.approx(100 / 75) and line.high == pytest.approx(1000 / 28)
    assert "embed_chunks_per_s" in line.assumptions


def test_gpu_training_reports_memory_for_qlora_and_a_price() -> None:
    e = estimate_costs(Answers({"gpu": "small", "model_size": "medium"}))
    qlora = _line(e, "fine_tune", "GPU memory with QLoRA")
    assert (qlora.low, qlora.high) == (5, 8.5)
    assert _line(e, "fine_tune", "Cloud price").unit == "USD"


def test_cpu_only_training_has_no_cloud_price_and_takes_longer() -> None:
    cpu = estimate_costs(Answers({"gpu": "none", "model_size": "medium"}))
    gpu = estimate_costs(Answers({"gpu": "small", "model_size": "medium"}))
    assert not any(line.item.startswith("Cloud price") for line in cpu.for_option("fine_tune").lines)
    assert _line(cpu, "fine_tune", "Fine-tuning run").high > 100 * _line(gpu, "fine_tune", "Fine-tuning run").high


def test_a_users_override_changes_the_estimate_and_is_marked() -> None:
    base = estimate_costs(Answers({"gpu": "small"}))
    cheap = estimate_costs(Answers({"gpu": "small"}, costs={"gpu_hour_price": (0.5, 0.5)}))
    assert _line(cheap, "fine_tune", "Cloud price").high < _line(base, "fine_tune", "Cloud price").high
    assert next(a for a in cheap.assumptions if a.id == "gpu_hour_price").overridden


def test_only_the_assumptions_used_are_listed() -> None:
    e = estimate_costs(Answers({"gpu": "none"}))
    ids = {a.id for a in e.assumptions}
    assert "gpu_hour_price" not in ids and "cpu_train_tokens_per_s.small" in ids


def test_the_prompt_option_is_marked_impossible_when_the_collection_exceeds_the_window() -> None:
    e = estimate_costs(Answers({"corpus_size": "hundreds_of_pages", "context_window": "8k"}))
    assert "Not possible" in e.for_option("long_context").note
    fits = estimate_costs(Answers({"corpus_size": "few_pages", "context_window": "8k"}))
    assert not fits.for_option("long_context").note


def test_the_hybrid_updates_facts_by_reindexing_not_retraining() -> None:
    items = [line.item for line in estimate_costs(Answers()).for_option("hybrid").lines]
    assert "Update per change (retrain)" not in items
    assert any(item.startswith("Update per change (re-index") for item in items)


@pytest.mark.parametrize(
    ("low", "high", "unit", "text"),
    [
        (1.3, 36, "s", "1.3–36 s"),
        (240, 3600, "s", "4–60 min"),
        (156, 1_555_200, "s", "2.6 min – 18 days"),
        (1536, 1536, "bytes", "about 1.5 KB"),
        (300_000, 4_700_000, "bytes", "293 KB – 4.5 MB"),
        (12_345, 54_321, "examples", "12,000–54,000 examples"),
        (0.5, 2, "person-days", "0.5–2 person-days"),
    ],
)
def test_ranges_read_like_a_person_wrote_them(low: float, high: float, unit: str, text: str) -> None:
    assert format_range(low, high, unit) == text
