"""The questions are data a wizard can show page by page, and every one of them matters to the scores."""

from __future__ import annotations

from crossroads.decision.questions import UNKNOWN, questions, topics
from crossroads.decision.weights import load_weights


def test_every_question_has_the_words_a_wizard_page_needs() -> None:
    for q in questions():
        assert q.prompt.endswith("?"), q.id
        assert q.help and q.title and q.topic_title
        assert len(q.choices) >= 2
        assert all(c.label for c in q.choices)


def test_question_ids_and_values_are_unique() -> None:
    ids = [q.id for q in questions()]
    assert len(ids) == len(set(ids))
    for q in questions():
        assert len(q.values) == len(set(q.values))


def test_every_question_defaults_to_unknown_and_accepts_it() -> None:
    for q in questions():
        assert q.default == UNKNOWN
        assert q.values[0] == UNKNOWN
        assert q.label(UNKNOWN)


def test_every_topic_is_a_page_with_questions_in_wizard_order() -> None:
    used = [q.topic for q in questions()]
    assert [t for t, _ in topics()] == list(dict.fromkeys(used))


def test_the_issue_criteria_are_all_asked() -> None:
    ids = {q.id for q in questions()}
    assert {
        "change_frequency",
        "must_delete",
        "citations",
        "need",
        "training_data",
        "gpu",
        "ml_skills",
        "latency",
        "deployment",
        "privacy",
        "corpus_size",
        "context_window",
        "model_size",
        "retrieval_quality",
    } <= ids


def test_every_question_moves_some_score_or_flags_a_conflict() -> None:
    w = load_weights()
    mentioned = {q for effect in (*w.entries, *w.combinations) for q in effect.when}
    mentioned |= {q for conflict in w.conflicts for q in conflict.when}
    assert {q.id for q in questions()} <= mentioned
