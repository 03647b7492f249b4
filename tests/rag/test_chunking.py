"""Chunking: token-sized passages that are exact slices of the text, never crossing a page."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from crossroads.errors import InputError
from crossroads.ingest.document import Document, Section
from crossroads.rag.chunking import Chunk, chunk_document


def words(text: str) -> int:
    """A stand-in tokenizer for the pure packing rules: one token per word."""
    return len(text.split())


def make_doc(*sections: Section) -> Document:
    return Document(path=Path("doc.txt"), kind="text", title="Doc", sections=list(sections))


def sentence(n: int, length: int = 10) -> str:
    return " ".join([f"S{n}w{i}" for i in range(length - 1)] + [f"end{n}."])


def paragraph(first: int, count: int, length: int = 10) -> str:
    return " ".join(sentence(first + i, length) for i in range(count))


def assert_exact_slices(doc: Document, chunks: list[Chunk]) -> None:
    for chunk in chunks:
        assert chunk.text == doc.text[chunk.start : chunk.end]
        assert chunk.text == chunk.text.strip()


def test_a_short_document_is_one_chunk_equal_to_its_text() -> None:
    doc = make_doc(Section("Hello there. This is short."))
    chunks = chunk_document(doc, words, max_tokens=50, overlap=10)
    assert [c.text for c in chunks] == ["Hello there. This is short."]
    assert chunks[0].tokens == 5
    assert (chunks[0].start, chunks[0].end) == (0, len(doc.text))


def test_every_chunk_is_the_exact_slice_of_the_document_text_it_claims() -> None:
    doc = make_doc(
        Section(paragraph(0, 8) + "\n\n" + paragraph(8, 7), page=1),
        Section("  " + paragraph(20, 9) + "\n", page=2),
        Section(paragraph(40, 3), page=3, heading="Annex"),
    )
    chunks = chunk_document(doc, words, max_tokens=40, overlap=10)
    assert len(chunks) > 5
    assert_exact_slices(doc, chunks)
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))


def test_chunks_never_cross_a_section_and_carry_its_page_and_heading() -> None:
    doc = make_doc(
        Section(paragraph(0, 6), page=1, heading="Intro"),
        Section(paragraph(10, 6), page=2, heading="Method"),
    )
    chunks = chunk_document(doc, words, max_tokens=35, overlap=10)
    for chunk in chunks:
        index = 0 if chunk.start < doc.offsets[1] else 1
        section_end = doc.offsets[index] + len(doc.sections[index].text)
        assert doc.offsets[index] <= chunk.start < chunk.end <= section_end
        assert chunk.page == doc.sections[index].page
        assert chunk.heading == doc.sections[index].heading
    assert {c.page for c in chunks} == {1, 2}


def test_chunks_stay_within_the_token_budget_and_end_at_sentence_ends() -> None:
    doc = make_doc(Section(paragraph(0, 30)))
    chunks = chunk_document(doc, words, max_tokens=45, overlap=10)
    assert all(words(c.text) <= 45 for c in chunks)
    assert all(c.tokens == words(c.text) for c in chunks)
    assert all(c.text.endswith(".") for c in chunks)
    assert all(c.text.startswith("S") for c in chunks)


def test_consecutive_chunks_overlap_by_whole_sentences_up_to_the_overlap() -> None:
    doc = make_doc(Section(paragraph(0, 30)))
    chunks = chunk_document(doc, words, max_tokens=50, overlap=20)
    for before, after in itertools.pairwise(chunks):
        shared = doc.text[after.start : before.end] if after.start < before.end else ""
        assert 0 < words(shared) <= 20
        assert shared.endswith(".")
        assert after.end > before.end  # always progress


def test_without_overlap_chunks_tile_the_text_exactly_once() -> None:
    doc = make_doc(Section(paragraph(0, 25)))
    chunks = chunk_document(doc, words, max_tokens=30, overlap=0)
    assert all(after.start > before.end for before, after in itertools.pairwise(chunks))
    assert " ".join(c.text for c in chunks) == doc.text


def test_a_chunk_prefers_to_end_at_a_paragraph_break() -> None:
    # Paragraphs of 30 words; 70 tokens would fit two and a third, but the chunk stops after two.
    doc = make_doc(Section("\n\n".join(paragraph(i * 10, 3) for i in range(6))))
    chunks = chunk_document(doc, words, max_tokens=70, overlap=0)
    assert all(doc.text[c.end : c.end + 2] in ("\n\n", "") for c in chunks)
    assert [c.tokens for c in chunks] == [60, 60, 60]


def test_an_over_long_sentence_is_split_by_tokens_and_nothing_is_lost() -> None:
    long_sentence = " ".join(f"w{i}" for i in range(500)) + "."
    doc = make_doc(Section("Before it. " + long_sentence + " After it."))
    chunks = chunk_document(doc, words, max_tokens=60, overlap=12)
    assert_exact_slices(doc, chunks)
    assert all(words(c.text) <= 60 for c in chunks)
    covered = set()
    for chunk in chunks:
        covered.update(range(chunk.start, chunk.end))
    assert all(i in covered for i, ch in enumerate(doc.text) if not ch.isspace())
    assert chunks[1].start < chunks[0].end  # the overlap works inside the long sentence too


def test_a_word_longer_than_a_chunk_is_cut_into_pieces_that_fit(embedder) -> None:
    blob = "ab3f" * 600  # a hash-like run with no spaces: hundreds of word pieces
    doc = make_doc(Section(f"Checksum follows. {blob} Done."))
    chunks = chunk_document(doc, embedder.count_tokens, max_tokens=100, overlap=20)
    assert_exact_slices(doc, chunks)
    assert all(embedder.count_tokens(c.text) <= 100 for c in chunks)
    assert "".join(doc.text[c.start : c.end] for c in chunks).count("ab3f") >= 600


def test_with_the_real_tokenizer_no_chunk_exceeds_the_budget(embedder) -> None:
    text = (
        "Super Bowl 50 was an American football game to determine the champion of the NFL for the 2015 season. "
        "The Denver Broncos defeated the Carolina Panthers 24–10 to earn their third Super Bowl title. "
    ) * 20
    doc = make_doc(Section(text, page=1), Section("Übermäßig lange Wörter: Donaudampfschifffahrt. " * 30, page=2))
    chunks = chunk_document(doc, embedder.count_tokens, max_tokens=64, overlap=16)
    assert len(chunks) > 10
    assert_exact_slices(doc, chunks)
    for chunk in chunks:
        assert embedder.count_tokens(chunk.text) <= 64
        assert abs(chunk.tokens - embedder.count_tokens(chunk.text)) <= 2


def test_tokens_are_counted_once_per_sentence_not_per_growing_chunk() -> None:
    calls: list[str] = []

    def counting(text: str) -> int:
        calls.append(text)
        return words(text)

    doc = make_doc(Section("\n\n".join(paragraph(i * 10, 10) for i in range(10))))
    chunk_document(doc, counting, max_tokens=50, overlap=10)
    assert len(calls) == 100


def test_list_items_and_lines_are_boundaries_too() -> None:
    lines = "\n".join(f"- item {i} has a few words" for i in range(40))
    doc = make_doc(Section(lines))
    chunks = chunk_document(doc, words, max_tokens=30, overlap=6)
    assert all(c.text.startswith("- item") for c in chunks)
    assert all(c.text.endswith("words") for c in chunks)


@pytest.mark.parametrize(("size", "overlap"), [(4, 0), (100, 100), (100, 150), (100, -1)])
def test_impossible_chunk_settings_are_refused_in_plain_words(size: int, overlap: int) -> None:
    with pytest.raises(InputError) as error:
        chunk_document(make_doc(Section("Some text.")), words, max_tokens=size, overlap=overlap)
    assert "chunk" in error.value.message


def test_an_empty_document_has_no_chunks() -> None:
    assert chunk_document(make_doc(Section("   \n  ")), words) == []


def test_a_full_stop_after_an_abbreviation_does_not_cut_a_row_in_two(tmp_path: Path) -> None:
    rows = "\n".join(
        f"SKU: A{i}; Product: Model {i}; List price (EUR, excl. VAT): {1000 + i}; Discount (%): 5" for i in range(12)
    )
    doc = Document(tmp_path / "prices.xlsx", "xlsx", "Prices", [Section(rows, page=1, heading="Prices")])
    chunks = chunk_document(doc, lambda text: len(text.split()), max_tokens=40, overlap=8)
    assert len(chunks) > 1
    assert all(chunk.text.startswith("SKU:") for chunk in chunks)


def test_each_spreadsheet_row_is_a_passage_of_its_own(tmp_path: Path) -> None:
    rows = "\n".join(f"SKU: A{i}; Product: Model {i}; List price (EUR): {1000 + i}" for i in range(5))
    doc = Document(tmp_path / "prices.xlsx", "xlsx", "Prices", [Section(rows, page=1, heading="Prices")])
    chunks = chunk_document(doc, lambda text: len(text.split()), max_tokens=200, overlap=40)
    assert [c.text for c in chunks] == rows.split("\n")


def test_the_overlap_never_reaches_back_into_the_previous_paragraph() -> None:
    # Paragraphs of 30 words: each chunk ends at a paragraph break, and the next one starts cleanly with the
    # following paragraph instead of repeating the last sentence of the one before (a second topic).
    doc = make_doc(Section("\n\n".join(paragraph(i * 10, 3) for i in range(4))))
    chunks = chunk_document(doc, words, max_tokens=50, overlap=15)
    assert [c.tokens for c in chunks] == [30, 30, 30, 30]
    assert all(c.text.startswith(f"S{i * 10}w0") for i, c in enumerate(chunks))


def test_inside_a_long_paragraph_consecutive_chunks_still_overlap() -> None:
    doc = make_doc(Section(paragraph(0, 3) + "\n\n" + paragraph(10, 12)))
    chunks = chunk_document(doc, words, max_tokens=50, overlap=20)
    assert chunks[1].text.startswith("S10w0")  # a clean start at the long paragraph
    assert all(after.start < before.end for before, after in itertools.pairwise(chunks[1:]))
