"""Whether the documents can answer: the question's names and numbers, looked up in the whole knowledge base."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossroads.evaluation.metrics import is_abstention
from crossroads.rag.answerability import missing_terms, misspelt_as, not_in_documents_answer, specific_terms
from crossroads.store import KnowledgeBase


@pytest.mark.parametrize(
    ("question", "terms"),
    [
        ("What is the list price of the Brellvik Nimbus 9 espresso machine?", ["Brellvik", "Nimbus", "9"]),
        ("What is the annual salary of Brellvik's CEO?", ["Brellvik", "CEO"]),
        ("Which firmware version added the oat milk profile?", []),
        ("When did Super Bowl 50 take place?", ["Super", "Bowl", "50"]),
        ("What changed in 4.2.0 compared to 4.1.3?", ["4.2.0", "4.1.3"]),
        ("IBAN for refunds?", ["IBAN"]),  # an acronym at the start still names something
        ("Which TV network showed the Mercedes-Benz ad?", ["Mercedes", "Benz"]),  # "TV" is often "television"
        ("How do I reset it? Tell me what I should do.", []),  # grammar, not names
    ],
)
def test_the_names_and_numbers_a_question_hangs_on(question: str, terms: list[str]) -> None:
    assert specific_terms(question) == terms


def test_only_what_no_document_mentions_is_missing(policy_kb_dir: Path) -> None:
    with KnowledgeBase.open(policy_kb_dir) as kb:
        assert kb.mentions(["Zorbanian", "zorbanian", "K7", "Quuxbar", "73", "74"]) == {
            "Zorbanian", "zorbanian", "K7", "73"
        }
        assert missing_terms("Where do Zorbanian staff park?", kb.mentions) == []
        assert missing_terms("What is the Quuxbar allowance in 2031?", kb.mentions) == ["Quuxbar", "2031"]
        assert missing_terms("Where do staff park?", kb.mentions) == []  # nothing specific: nothing to miss


@pytest.mark.parametrize("question", [
    "Where do Zorbnian staff park?",  # a letter left out
    "Where do Zorbanain staff park?",  # two letters swapped
    "Where do Zorbaniann staff park?",  # a letter added
    "Where do Zorbamian staff park?",  # a letter changed
    "What is the Travelallowance per day?",  # two words run together
])
def test_a_long_name_with_one_typo_is_not_missing(policy_kb_dir: Path, question: str) -> None:
    with KnowledgeBase.open(policy_kb_dir) as kb:
        assert missing_terms(question, kb.mentions) == []


def test_short_names_and_two_typos_are_still_missing(policy_kb_dir: Path) -> None:
    with KnowledgeBase.open(policy_kb_dir) as kb:
        assert missing_terms("Where is lot K8?", kb.mentions) == ["K8"]  # a code: one character is another lot
        assert missing_terms("Where do Zrobnian staff park?", kb.mentions) == ["Zrobnian"]
        assert missing_terms("Who runs the Quuxbar depot?", kb.mentions) == ["Quuxbar"]
        assert missing_terms("Is the Nimbus allowed?", kb.mentions) == ["Nimbus"]


def test_what_a_long_word_may_have_been_meant_as() -> None:
    assert {"mercedes", "super bowl", "levis"} <= {*misspelt_as("Merceds"), *misspelt_as("Superbowl"),
                                                   *misspelt_as("Leviss")}
    assert misspelt_as("Lev") == misspelt_as("2031") == misspelt_as("Zoë-9") == []


def test_a_phrase_must_appear_as_a_phrase_and_a_heading_or_title_counts(policy_kb_dir: Path) -> None:
    with KnowledgeBase.open(policy_kb_dir) as kb:
        assert kb.mentions(["travel allowance", "allowance travel", "Parking"]) == {"travel allowance", "Parking"}


def test_the_answer_names_what_is_missing_and_reads_as_an_abstention() -> None:
    text = not_in_documents_answer(["Nimbus", "2031"])
    assert text == "The documents do not say. No document mentions “Nimbus”, “2031”."
    assert is_abstention(text)
