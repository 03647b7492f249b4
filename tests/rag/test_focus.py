"""Focus: the model reads the sentences that bear on the question, within a budget, in their passages' order."""

from __future__ import annotations

from crossroads.rag.focus import Sentence, focus, join, passage_sentences, select


def words(text: str) -> int:
    return len(text.split())


LEAVE = (
    "Holidays and leave\n"
    "Brellvik closes between Christmas and New Year. Full-time employees receive 27 days of paid annual leave "
    "per calendar year. Part-time employees receive a share in proportion to their hours. Unused days may be "
    "carried over until 31 March of the next year."
)
PARKING = (
    "Parking\nThe car park behind the office has 40 spaces. Spaces are given out by the facilities team. "
    "Bicycles go in the shed next to the entrance."
)


def test_a_sentence_split_after_an_abbreviation_keeps_its_tail() -> None:
    units = passage_sentences("Plan: Premier; Loan machine: Yes; Price per machine per year (EUR, excl. VAT): 690")
    assert any(u.endswith("VAT): 690") and "Premier" in u for u in units)


def test_table_rows_stay_together_with_their_header() -> None:
    table = (
        "Daily allowance and hotel limits\n"
        "The daily allowance covers meals on a business trip that lasts more than eight hours.\n"
        "Destination Daily allowance Hotel limit per night\n"
        "Netherlands and Belgium €45 €150\n"
        "Other EU countries €58 €170\n"
    )
    units = passage_sentences(table)
    assert "Destination Daily allowance Hotel limit per night\nNetherlands and Belgium €45 €150\n" \
           "Other EU countries €58 €170" in units


def test_pdf_lines_wrapped_mid_sentence_are_one_sentence() -> None:
    wrapped = "The machine must cool for thirty\nminutes before it is used again. Then press the restart button."
    units = passage_sentences(wrapped)
    assert units == ["The machine must cool for thirty minutes before it is used again.",
                     "Then press the restart button."]


def test_the_answering_sentence_is_kept_and_unrelated_ones_are_not(embedder) -> None:
    question = "How many days of annual leave does a new employee get?"
    kept = focus(question, [PARKING, LEAVE], embedder.encode, embedder.encode_query(question), 40, words)
    assert kept[0].index == 1, "the passage holding the best sentence comes first"
    assert [f.score for f in kept] == sorted((f.score for f in kept), reverse=True)
    text = " ".join(f.text for f in kept)
    assert "27 days of paid annual leave" in text
    assert "Bicycles" not in text
    assert sum(words(f.text) for f in kept) <= 40 + 2  # the budget, plus the "…" marks


def test_each_kept_sentence_brings_the_one_before_it_when_it_fits() -> None:
    scored = [Sentence(0, 0, "Anna joined in 2019.", 0.1), Sentence(0, 1, "She leads the team.", 0.9),
              Sentence(0, 2, "The team has six people.", 0.2)]
    assert [s.position for s in select(scored, 10, words)[0]] == [0, 1]
    assert [s.position for s in select(scored, 5, words)[0]] == [1]


def test_left_out_sentences_show_as_an_ellipsis() -> None:
    kept = [Sentence(0, 1, "B."), Sentence(0, 2, "C."), Sentence(0, 5, "F.")]
    assert join(kept) == "… B. C. … F."


def test_nothing_to_read_gives_nothing(embedder) -> None:
    assert focus("Any question?", [], embedder.encode, embedder.encode_query("Any question?"), 100, words) == []


def test_a_question_word_every_sentence_holds_weighs_less_than_a_rare_one() -> None:
    from crossroads.rag.focus import _rarity

    found = [{"brellvik", "oat"}, {"brellvik"}, {"brellvik"}, set()]
    weight = _rarity({"brellvik", "oat", "milk"}, found)
    assert weight["milk"] > weight["oat"] > weight["brellvik"] > 0
