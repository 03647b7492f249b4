"""Each answer moves the scores the way the evidence says, and the edge cases still give an honest answer."""

from __future__ import annotations

import json
import tomllib

import pytest

from crossroads.decision.answers import Answers
from crossroads.decision.scoring import recommend
from crossroads.decision.weights import load_weights, parse_weights

from .helpers import WEIGHTS_TOML, gap, rec

ENTRIES = [(e.id, e) for e in load_weights().entries]


@pytest.mark.parametrize(("entry_id", "entry"), ENTRIES, ids=[i for i, _ in ENTRIES])
def test_each_answer_moves_the_scores_by_exactly_its_documented_weights(entry_id: str, entry) -> None:
    ((question, (value,)),) = entry.when.items()
    base, answered = rec(), rec(**{question: value})
    mine = {(c.option, c.delta, c.inherited_from) for c in answered.contributions if c.source == entry_id}
    assert mine == set(load_weights().expand(entry.deltas))
    new_sources = {c.source for c in answered.contributions} - {c.source for c in base.contributions}
    for option in base.scores:
        expected = sum(c.delta for c in answered.contributions if c.option == option and c.source in new_sources)
        assert answered.scores[option] - base.scores[option] == pytest.approx(expected), entry_id


def test_knowledge_that_changes_often_favours_rag_over_fine_tuning() -> None:
    daily, rarely = rec(change_frequency="daily"), rec(change_frequency="rarely")
    assert gap(daily, "rag", "fine_tune") > gap(rarely, "rag", "fine_tune")
    assert rec(change_frequency="daily").winner == "rag"
    assert rec(change_frequency="rarely").scores["fine_tune"] > rec().scores["fine_tune"]


def test_items_that_must_be_deletable_favour_rag() -> None:
    r = rec(must_delete="yes")
    assert r.winner == "rag"
    assert gap(r, "rag", "fine_tune") > gap(rec(must_delete="no"), "rag", "fine_tune")


def test_required_citations_favour_rag_and_count_against_fine_tuning() -> None:
    r = rec(citations="required")
    assert r.scores["rag"] > rec().scores["rag"]
    assert r.scores["fine_tune"] < rec().scores["fine_tune"]
    assert r.winner == "rag"


def test_a_need_for_behaviour_recommends_fine_tuning() -> None:
    assert rec(need="behaviour").winner == "fine_tune"
    assert rec(need="facts").winner == "rag"


def test_a_need_for_facts_and_behaviour_recommends_a_hybrid() -> None:
    assert rec(need="both").winner == "hybrid"


def test_only_raw_documents_count_against_fine_tuning_and_many_examples_for_it() -> None:
    assert rec(training_data="raw_documents").scores["fine_tune"] < rec().scores["fine_tune"]
    assert rec(training_data="many_examples").scores["fine_tune"] > rec().scores["fine_tune"]


def test_no_gpu_counts_against_training_unless_the_model_is_tiny() -> None:
    no_gpu = rec(gpu="none", model_size="medium")
    assert no_gpu.scores["fine_tune"] < rec(model_size="medium").scores["fine_tune"]
    assert rec(gpu="none", model_size="tiny").scores["fine_tune"] > rec(gpu="none").scores["fine_tune"]


def test_a_large_model_on_a_small_gpu_counts_against_training() -> None:
    assert rec(gpu="small", model_size="large").scores["fine_tune"] < rec(gpu="small").scores["fine_tune"]


def test_no_ml_skills_count_against_training() -> None:
    r = rec(ml_skills="none")
    assert r.scores["fine_tune"] < rec().scores["fine_tune"]
    assert r.scores["hybrid"] < rec().scores["hybrid"]


def test_strict_latency_counts_most_against_reading_the_whole_collection() -> None:
    r, base = rec(latency="strict"), rec()
    drops = {o: base.scores[o] - r.scores[o] for o in r.scores}
    assert max(drops, key=drops.get) == "long_context"
    assert r.scores["fine_tune"] > base.scores["fine_tune"]


def test_a_model_that_must_answer_without_the_documents_is_fine_tuned() -> None:
    r = rec(deployment="standalone")
    assert r.winner == "fine_tune"
    assert r.scores["rag"] < rec().scores["rag"] and r.scores["hybrid"] < rec().scores["hybrid"]


def test_personal_data_favours_rag() -> None:
    r = rec(privacy="personal")
    assert r.winner == "rag"
    assert gap(r, "rag", "fine_tune") > gap(rec(privacy="public"), "rag", "fine_tune")


def test_confidential_data_without_own_gpu_counts_against_training() -> None:
    r = rec(privacy="confidential", gpu="none")
    each_alone = rec(privacy="confidential").scores["fine_tune"] + rec(gpu="none").scores["fine_tune"]
    assert r.scores["fine_tune"] < each_alone
    assert any(c.source == "sensitive_data_no_gpu" for c in r.contributions)


@pytest.mark.parametrize(("size", "window"), [("few_pages", "unknown"), ("few_pages", "4k"), ("tens_of_pages", "32k")])
def test_a_collection_that_fits_the_context_window_goes_in_the_prompt(size: str, window: str) -> None:
    assert rec(corpus_size=size, context_window=window).winner == "long_context"


@pytest.mark.parametrize(
    ("size", "window"),
    [("tens_of_pages", "8k"), ("hundreds_of_pages", "32k"), ("thousands_of_pages", "128k"), ("more", "unknown")],
)
def test_a_collection_larger_than_the_window_rules_out_the_prompt(size: str, window: str) -> None:
    r = rec(corpus_size=size, context_window=window)
    assert r.winner != "long_context"
    assert r.scores["long_context"] < rec().scores["long_context"] - 5


def test_small_models_favour_a_hybrid_and_7b_models_do_not() -> None:
    assert rec(model_size="small").scores["hybrid"] > rec().scores["hybrid"]
    assert rec(model_size="medium").scores["hybrid"] < rec().scores["hybrid"]


def test_poor_search_recommends_fixing_retrieval_first() -> None:
    assert rec(retrieval_quality="poor").winner == "fix_retrieval"
    assert rec(retrieval_quality="good").scores["fix_retrieval"] < rec().scores["fix_retrieval"]


def test_noisy_search_with_a_gpu_recommends_training_the_model_to_read_passages() -> None:
    r = rec(retrieval_quality="mixed", gpu="large")
    assert r.winner == "hybrid"
    assert any("raft2024-distractors" in c.evidence for c in r.top_reasons())


def test_no_test_set_counts_against_training() -> None:
    assert rec(eval_set="no").scores["fine_tune"] < rec(eval_set="yes").scores["fine_tune"]


def test_training_facts_new_to_the_model_is_warned_against() -> None:
    r = rec(knowledge_kind="internal", need="facts")
    assert any(c.source == "new_facts_by_training" and c.delta < 0 for c in r.contributions)


def test_a_typical_document_assistant_gets_rag_with_high_confidence() -> None:
    r = rec(
        change_frequency="monthly",
        citations="required",
        knowledge_kind="internal",
        need="facts",
        gpu="none",
        training_data="raw_documents",
        ml_skills="none",
        eval_set="no",
        corpus_size="hundreds_of_pages",
        model_size="small",
        context_window="8k",
        privacy="confidential",
        retrieval_quality="good",
        must_delete="yes",
    )
    assert r.winner == "rag"
    assert r.confidence.level == "high"
    assert not r.conflicts


def test_all_unknown_gives_the_cheap_reversible_default_with_low_confidence() -> None:
    r = rec()
    assert r.winner == "rag"
    assert r.confidence.level == "low"
    assert r.confidence.answered == 0
    assert [c.kind for c in r.top_reasons()] == ["prior"]
    assert r.what_would_change, "with nothing answered, many single answers would change the outcome"


def test_contradictory_answers_are_named_and_lower_the_confidence() -> None:
    answers = {"change_frequency": "daily", "citations": "required", "must_delete": "yes", "need": "facts"}
    consistent = rec(**answers, deployment="server")
    contradictory = rec(**answers, deployment="standalone")
    ids = {cid for cid, _ in contradictory.conflicts}
    assert {"citations_without_documents", "fast_changes_without_documents", "deletion_without_documents"} <= ids
    assert all(message for _, message in contradictory.conflicts)
    levels = ("low", "medium", "high")
    assert levels.index(contradictory.confidence.level) < levels.index(consistent.confidence.level)
    assert contradictory.winner in contradictory.scores


def test_every_reported_flip_really_changes_the_winner() -> None:
    answers = Answers({"change_frequency": "monthly", "need": "facts", "corpus_size": "tens_of_pages"})
    r = recommend(answers)
    assert r.what_would_change
    for flip in r.what_would_change:
        assert recommend(answers.with_value(flip.question, flip.alternative)).winner == flip.winner != r.winner
        assert flip.alternative_label in flip.text


def test_a_monthly_to_daily_style_flip_is_reported_in_words() -> None:
    r = rec(change_frequency="rarely", need="behaviour", citations="helpful", gpu="small")
    assert r.winner == "fine_tune"
    flips = {(f.question, f.alternative): f for f in r.what_would_change}
    assert ("change_frequency", "daily") in flips
    assert "How often the knowledge changes" in flips["change_frequency", "daily"].text


def test_ties_go_to_the_earlier_option_in_the_documented_order() -> None:
    data = tomllib.loads(WEIGHTS_TOML.read_text(encoding="utf-8"))
    for option in data["options"].values():
        option["prior"] = 0.0
    r = recommend(Answers(), weights=parse_weights(data))
    assert r.winner == data["order"][0]
    assert r.confidence.margin == 0


def test_the_recommendation_serialises_to_stable_json() -> None:
    r = rec(change_frequency="weekly", need="both", gpu="small")
    again = rec(change_frequency="weekly", need="both", gpu="small")
    assert json.dumps(r.to_dict()) == json.dumps(again.to_dict())
    d = r.to_dict()
    assert list(d)[:6] == ["format", "version", "project", "winner", "winner_label", "ranking"]
    assert d["winner"] == r.winner
    assert all("reason" in c and "evidence" in c for c in d["contributions"])
