"""No hidden magic numbers: every weight lives in weights.toml with a reason, and cites evidence where it exists."""

from __future__ import annotations

import copy
import tomllib

import pytest

from crossroads.decision.evidence import EVIDENCE, known_ids
from crossroads.decision.weights import load_weights, parse_weights

from .helpers import WEIGHTS_TOML, rec

# From the evidence notes (section 4.3): the published finding each criterion rests on.
EXPECTED_EVIDENCE = {
    "change_frequency=weekly": "lewis2020",
    "change_frequency=daily": "lewis2020",
    "must_delete=yes": "lewis2020",
    "citations=required": "gao2023",
    "knowledge_kind=internal": "ovadia2024-new-facts",
    "need=facts": "ovadia2024-new-facts",
    "need=both": "balaguer2024",
    "training_data=raw_documents": "ovadia2024-raw-text",
    "training_data=many_examples": "ovadia2024-paraphrases",
    "gpu=none": "llamacpp-cpu-training",
    "gpu=small": "unsloth-requirements",
    "model_size=small": "soudani2024-small-models",
    "model_size=medium": "soudani2024-small-models",
    "latency=strict": "llamacpp-cpu-prefill",
    "retrieval_quality=poor": "beir2021",
    "collection_fits_window": "anthropic2024-contextual",
    "new_facts_by_training": "gekhman2024",
    "noisy_search_with_gpu": "raft2024-distractors",
    "model_misreads_passages": "raft2024-distractors",
    "search_fails": "pyserini-fusion",
}


def _raw() -> dict:
    return tomllib.loads(WEIGHTS_TOML.read_text(encoding="utf-8"))


def test_only_verified_findings_are_listed_for_users() -> None:
    for e in EVIDENCE:
        assert e.status in ("V", "V2"), e.id
        assert e.figure and e.title and e.authors and e.venue


def test_evidence_ids_are_unique() -> None:
    assert len(known_ids()) == len(EVIDENCE)


def test_the_shipped_weights_load_and_pass_their_checks() -> None:
    w = load_weights()
    assert set(w.order) == {"rag", "fine_tune", "hybrid", "long_context", "fix_retrieval"}
    assert w.entries and w.combinations and w.measured_rules


def test_every_weight_has_a_plain_reason_and_evidence_or_a_stated_basis() -> None:
    w = load_weights()
    for effect in (*w.entries, *w.combinations, *w.measured_rules.values()):
        assert len(effect.reason) > 30, effect.id
        assert effect.evidence or effect.evidence_note, effect.id
        assert set(effect.evidence) <= known_ids(), effect.id


@pytest.mark.parametrize(("effect_id", "evidence_id"), sorted(EXPECTED_EVIDENCE.items()))
def test_criteria_with_published_evidence_cite_it(effect_id: str, evidence_id: str) -> None:
    w = load_weights()
    effects = {e.id: e for e in (*w.entries, *w.combinations, *w.measured_rules.values())}
    assert evidence_id in effects[effect_id].evidence


def test_a_weight_without_evidence_or_basis_is_refused() -> None:
    data = _raw()
    broken = copy.deepcopy(data)
    del broken["entries"][0]["evidence_note"]
    broken["entries"][0].pop("evidence", None)
    with pytest.raises(ValueError, match="evidence"):
        parse_weights(broken)


def test_a_weight_naming_an_unknown_answer_is_refused() -> None:
    broken = _raw()
    broken["entries"][0]["value"] = "fortnightly"
    with pytest.raises(ValueError, match="fortnightly"):
        parse_weights(broken)


def test_a_weight_citing_unknown_evidence_is_refused() -> None:
    broken = _raw()
    broken["entries"][1]["evidence"] = ["someone2099"]
    with pytest.raises(ValueError, match="someone2099"):
        parse_weights(broken)


def test_every_weight_entry_has_a_comment_line_or_reason_in_the_file() -> None:
    text = WEIGHTS_TOML.read_text(encoding="utf-8")
    assert text.count("[[entries]]") == text.count("[[entries]]\nquestion")
    assert text.count("reason = ") >= len(load_weights().entries) + len(load_weights().combinations)


def test_every_score_is_the_sum_of_deltas_taken_from_the_weights_file() -> None:
    r = rec(change_frequency="monthly", need="both", gpu="small", model_size="tiny", corpus_size="few_pages")
    w = load_weights()
    effects = {e.id: e for e in (*w.entries, *w.combinations)}
    for c in r.contributions:
        if c.kind == "prior":
            assert c.delta == w.options[c.option].prior
        else:
            assert (c.option, c.delta, c.inherited_from) in w.expand(effects[c.source].deltas)
    for option, score in r.scores.items():
        assert score == sum(c.delta for c in r.contributions if c.option == option)


def test_every_stated_reason_carries_its_evidence() -> None:
    r = rec(
        change_frequency="weekly",
        must_delete="yes",
        citations="required",
        knowledge_kind="internal",
        need="facts",
        training_data="raw_documents",
        gpu="none",
        model_size="small",
        retrieval_quality="poor",
        latency="strict",
        corpus_size="few_pages",
    )
    w = load_weights()
    effects = {e.id: e for e in (*w.entries, *w.combinations)}
    for c in r.contributions:
        if c.kind == "prior":
            continue
        assert c.evidence == effects[c.source].evidence
        assert c.evidence or c.evidence_note
    cited = {eid for c in r.contributions for eid in c.evidence}
    assert set(r.to_dict()["evidence"]) >= cited
