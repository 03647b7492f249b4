"""Prompts: the same system message for every mode, sources numbered from 1, always within the budget."""

from __future__ import annotations

from crossroads.rag.prompting import (
    ABSTAIN_ANSWER,
    SYSTEM_MESSAGE,
    SourceText,
    plain_prompt,
    rag_prompt,
    unwrap_lines,
)


def count_words(text: str) -> int:
    return len(text.split())


def sources(n: int, words: int = 50) -> list[SourceText]:
    return [
        SourceText(i + 9, f"doc{i}.pdf, page {i + 1}", " ".join(f"w{i}x{j}" for j in range(words))) for i in range(n)
    ]


def test_every_mode_starts_with_the_same_system_message() -> None:
    plain = plain_prompt("What is the fee?")
    rag = rag_prompt("What is the fee?", sources(2), count_words, 10_000)
    assert plain.messages[0].content == rag.messages[0].content == SYSTEM_MESSAGE


def test_sources_are_renumbered_from_one_and_the_question_comes_last() -> None:
    rag = rag_prompt("  What is the fee?  ", sources(3), count_words, 10_000)
    user = rag.messages[1].content
    assert [s.number for s in rag.sources] == [1, 2, 3]
    assert user.index("[1] w0x0") < user.index("[2] w1x0") < user.index("[3] w2x0")
    assert user.endswith("Question: What is the fee?\nAnswer:")
    assert rag.dropped == 0 and not rag.truncated


def test_the_rag_prompt_neither_asks_for_citation_numbers_nor_for_refusals() -> None:
    user = rag_prompt("What is the fee?", sources(2), count_words, 10_000).messages[1].content
    instructions = user[: user.index("Sources:")]
    assert instructions.startswith("Answer the question based on the sources below.")
    assert "cite" not in instructions  # a 0.5B model wrote "[1]" where the answer belonged
    assert ABSTAIN_ANSWER not in user and "do not answer" not in user  # see crossroads.rag.answerability


def test_each_passage_opens_with_its_document_and_heading_but_not_its_page() -> None:
    with_origin = [
        SourceText(1, "Release-Notes.md, 4.2.0", "Added: an oat milk profile.", "Release-Notes.md › 4.2.0"),
        SourceText(2, "Handbook.pdf, page 4", "Full-time staff get 27 days.", "Handbook.pdf"),
    ]
    rag = rag_prompt("Which version added oat milk?", with_origin, count_words, 10_000)
    user = rag.messages[1].content
    assert "[1] Release-Notes.md › 4.2.0\nAdded: an oat milk profile." in user
    assert "[2] Handbook.pdf\nFull-time staff get 27 days." in user
    assert "page 4" not in user
    assert [s.label for s in rag.sources] == ["Release-Notes.md, 4.2.0", "Handbook.pdf, page 4"]


def test_lines_a_pdf_wrapped_inside_a_sentence_are_joined_but_lists_and_new_sentences_stay() -> None:
    wrapped = "Full-time employees receive 27 days of\npaid annual leave.\nPart-time staff:\n- pro rata\nNext."
    joined = "Full-time employees receive 27 days of paid annual leave.\nPart-time staff:\n- pro rata\nNext."
    assert unwrap_lines(wrapped) == joined


def test_sources_that_do_not_fit_are_dropped_and_the_last_one_shortened() -> None:
    empty = rag_prompt("What is the fee?", [], count_words, 10_000)
    fixed = sum(count_words(m.content) for m in empty.messages)
    budget = fixed + 32 + 63 + 55  # room for one whole source ("[n]" + 60 words + 2) and part of the next
    rag = rag_prompt("What is the fee?", sources(6, words=60), count_words, budget)
    assert 0 < len(rag.sources) < 6
    assert rag.truncated and rag.sources[-1].text.endswith("…")
    assert rag.dropped == 6 - len(rag.sources)
    total = sum(count_words(m.content) for m in rag.messages)
    assert total <= budget


def test_no_room_for_any_source_leaves_none_rather_than_overflowing() -> None:
    rag = rag_prompt("What is the fee?", sources(2), count_words, 40)
    assert rag.sources == [] and rag.dropped == 2
