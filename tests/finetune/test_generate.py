"""Question-answer pairs written by the model from passages, and its own general answers."""

from __future__ import annotations

from crossroads.engine.events import SamplingParams
from crossroads.finetune.generate import general_examples, general_questions, parse_pairs, qa_from_passages, supported

PASSAGE = "Staff park in lot K7 behind the Zorbanian warehouse. The Zorbanian travel allowance is 73 florins per day."


def test_pairs_are_read_in_the_usual_spellings_and_the_rest_is_ignored() -> None:
    text = ("Here are some questions:\n1. Q: Where do staff park?\n   A: In lot K7.\n"
            "**Question 2:** What is the allowance?\n**Answer:** 73 florins per day\n"
            "- Q: How much per day? A: 73 florins\nQ: Dangling question without answer?\n\nThat's all.")
    assert parse_pairs(text) == [
        ("Where do staff park?", "In lot K7."),
        ("What is the allowance?", "73 florins per day"),
        ("How much per day?", "73 florins"),
    ]


def test_an_answer_the_passage_does_not_support_is_not_supported() -> None:
    assert supported("In lot K7.", PASSAGE)
    assert supported("73 florins per day", PASSAGE)
    assert not supported("The CEO is Jane Smith.", PASSAGE)
    assert not supported("the", PASSAGE)


def test_the_model_writes_only_supported_pairs_about_a_passage(tiny_engine) -> None:  # type: ignore[no-untyped-def]
    calls = []
    found = qa_from_passages(tiny_engine, [PASSAGE], per_passage=3,
                             on_progress=lambda i, n, count: calls.append((i, n, count)))
    assert calls == [(1, 1, len(found))]
    assert all(e.source == "generated" and e.question and supported(e.answer, PASSAGE) for e in found)


def test_general_examples_are_the_models_own_answers(tiny_engine) -> None:  # type: ignore[no-untyped-def]
    questions = general_questions()
    assert len(questions) >= 20 and len(set(questions)) == len(questions)
    found = general_examples(tiny_engine, questions[:2], system_message="Answer briefly.",
                             params=SamplingParams(max_tokens=16))
    assert [e.question for e in found] == questions[:2]
    assert all(e.source == "general" and e.answer for e in found)
