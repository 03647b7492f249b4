"""What the decision report says: everything a client who was not in the room needs."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path

import crossroads.decision
from crossroads.decision.answers import Answers
from crossroads.decision.evidence import evidence
from crossroads.decision.scoring import recommend
from crossroads.decision.weights import load_weights, parse_weights
from crossroads.report import build_report

from .helpers import COMPARISONS, EVALUATION, client_recommendation

SECTIONS = [
    "Recommendation",
    "Scores",
    "Why",
    "What would change the recommendation",
    "Measured on your questions",
    "Cost and effort",
    "Your answers",
    "How the scores were computed",
    "References",
]


def test_the_report_walks_from_recommendation_to_references() -> None:
    report = build_report(client_recommendation(), generated=dt.date(2026, 3, 5))
    assert [s.title for s in report.sections] == SECTIONS
    assert report.generated == "5 March 2026"
    assert report.subtitle == "Pump support assistant"


def test_the_headline_names_the_recommendation_and_its_confidence() -> None:
    rec = client_recommendation()
    text = build_report(rec).plain_text()
    assert f"Recommendation: {load_weights().options[rec.winner].label}" in text
    assert f"Confidence: {rec.confidence.level}" in text


def test_every_top_reason_appears_with_its_evidence_and_a_numbered_reference() -> None:
    rec = client_recommendation()
    report = build_report(rec)
    text = report.plain_text()
    references = next(s for s in report.sections if s.title == "References").blocks[0].items
    cited = [item.text for item in references]
    for reason in rec.top_reasons():
        assert reason.reason in text
        for eid in reason.evidence:
            e = evidence(eid)
            assert e.figure in text
            assert e.citation() in cited
    numbers = {int(n) for group in re.findall(r"\[(\d+(?:, \d+)*)\]", text) for n in group.split(", ")}
    assert numbers == set(range(1, len(cited) + 1))


def test_reasons_without_a_published_source_say_what_they_rest_on() -> None:
    rec = client_recommendation()
    text = build_report(rec).plain_text()
    for c in rec.top_reasons():
        if not c.evidence and c.kind != "prior":
            assert f"Basis: {c.evidence_note}" in text


def test_what_would_change_it_lists_the_computed_flips() -> None:
    rec = client_recommendation(measured=False)
    text = build_report(rec).plain_text()
    assert rec.what_would_change
    for flip in rec.what_would_change:
        assert flip.text in text


def test_the_measured_results_say_how_they_changed_or_confirmed_the_recommendation() -> None:
    rec = client_recommendation()
    text = build_report(rec).plain_text()
    assert rec.measured_effect is not None
    assert rec.measured_effect.summary in text
    assert "Model + your documents | 70%" in text


def test_the_cost_estimate_lists_every_option_and_every_assumption_with_its_source() -> None:
    rec = client_recommendation()
    text = build_report(rec).plain_text()
    for option in load_weights().options.values():
        assert option.label in text
    for a in rec.costs.assumptions:
        assert a.label in text and a.source in text


def test_contradictions_get_their_own_section() -> None:
    rec = recommend(Answers({"citations": "required", "deployment": "standalone"}))
    report = build_report(rec)
    assert "Answers that pull against each other" in [s.title for s in report.sections]
    assert rec.conflicts[0][1] in report.plain_text()


def test_comparisons_and_evaluation_results_are_included_when_given() -> None:
    report = build_report(client_recommendation(), comparisons=COMPARISONS, evaluation=EVALUATION)
    titles = [s.title for s in report.sections]
    assert "Side-by-side comparisons" in titles and "Evaluation results" in titles
    text = report.plain_text()
    assert "The X200 carries a 36-month warranty [1]. (Sources: x200-manual.pdf p. 12)" in text
    assert "Grounded sentences: 100%" in text
    assert "Who signs off a return?" in text
    assert "Results on 40 questions." in text


def test_comparisons_in_the_mode_mapping_shape_and_long_answers_are_accepted() -> None:
    long_answer = "word " * 400
    comparisons = [{"question": "Q?", "modes": {"plain": {"answer": long_answer}, "rag": {"text": "short"}}}]
    text = build_report(client_recommendation(), comparisons=comparisons).plain_text()
    assert "Model only" in text and "short" in text
    assert "word " * 80 not in text, "long answers are shortened"


def test_the_computation_table_totals_match_the_scores() -> None:
    rec = client_recommendation()
    section = next(s for s in build_report(rec).sections if s.title == "How the scores were computed")
    table = section.blocks[-1]
    total = table.rows[-1]
    assert total[0] == "Total"
    assert [float(x) for x in total[1:]] == [rec.scores[o] for o in load_weights().order]


def test_a_winner_with_no_reason_of_its_own_is_explained_honestly() -> None:
    data = tomllib.loads(Path(crossroads.decision.__file__).with_name("weights.toml").read_text(encoding="utf-8"))
    for option in data["options"].values():
        option["prior"] = 0.0
    rec = recommend(Answers(), weights=parse_weights(data))
    assert not rec.top_reasons()
    assert "No answer speaks for this option directly" in build_report(rec).plain_text()
