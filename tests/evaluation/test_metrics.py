"""Judge-free answer metrics: what each indicator counts, shown on small, readable cases."""

from __future__ import annotations

import json

import pytest

from crossroads.evaluation.metrics import (
    answer_contained,
    answer_metrics,
    check_citations,
    exact_match,
    groundedness,
    is_abstention,
    normalize_answer,
    retrieval_hit,
    split_sentences,
    token_f1,
    token_recall,
)

SOURCES = [
    "Opening hours are 9:00 to 17:00 on weekdays. The office is closed on public holidays.",
    "The administration fee is 40 euros per application. Refunds are paid within 14 days. "
    "Our policies are reviewed every year by the board.",
    "The premium plan costs 1,299 euros per year and includes priority support.",
]


def sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in split_sentences(text)]


# --- sentence splitting -------------------------------------------------------------------------------


def test_abbreviations_decimals_and_initials_do_not_end_a_sentence() -> None:
    text = "Dr. Smith paid 3.5 euros, e.g. for J. Doe in the U.S. office. Then he left."
    assert sentences(text) == [
        "Dr. Smith paid 3.5 euros, e.g. for J. Doe in the U.S. office.",
        "Then he left.",
    ]


def test_question_and_exclamation_marks_end_sentences() -> None:
    assert sentences("Sure! Is it open? It is open today.") == ["Sure!", "Is it open?", "It is open today."]


def test_list_items_and_lines_are_separate_units_without_their_bullets() -> None:
    text = "Steps:\n1. Fill in the form\n2. Pay the fee.\n- Keep the receipt\n* Wait 14 days\n\nDone."
    assert sentences(text) == [
        "Steps:",
        "Fill in the form",
        "Pay the fee.",
        "Keep the receipt",
        "Wait 14 days",
        "Done.",
    ]


def test_citation_after_a_full_stop_stays_with_its_sentence() -> None:
    text = "The fee is 40 euros. [2] Refunds take 14 days.[2][3] Ask the office [1]."
    assert sentences(text) == [
        "The fee is 40 euros. [2]",
        "Refunds take 14 days.[2][3]",
        "Ask the office [1].",
    ]


def test_a_lowercase_continuation_does_not_start_a_new_sentence() -> None:
    assert sentences("It costs approx. forty euros... or so. See No. 5 for more.") == [
        "It costs approx. forty euros... or so.",
        "See No. 5 for more.",
    ]


def test_spans_point_into_the_original_text_and_skip_empty_lines_and_rules() -> None:
    text = "  First one.  \n\n---\n```\n  Second one  "
    assert split_sentences(text) == [(2, 12), (26, 36)]
    assert sentences(text) == ["First one.", "Second one"]


def test_an_empty_answer_has_no_sentences() -> None:
    assert split_sentences("") == []
    assert split_sentences("  \n ") == []


# --- answers against expected answers (SQuAD conventions) ---------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("The Denver Broncos!", "denver broncos"),
        ("  An apple,  a day ", "apple day"),
        ("Theatre's best (show)", "theatres best show"),
        ("€58 – “typographic” marks stay", "€58 – “typographic” marks stay"),  # the official script strips ASCII only
        ("A", ""),
    ],
)
def test_normalisation_drops_case_punctuation_articles_and_extra_spaces(raw: str, normalised: str) -> None:
    assert normalize_answer(raw) == normalised


def test_exact_match_ignores_case_articles_and_punctuation_and_takes_the_best_gold() -> None:
    assert exact_match("the Denver Broncos.", ["Carolina Panthers", "Denver Broncos"]) == 1.0
    assert exact_match("Denver", ["Denver Broncos"]) == 0.0


def test_f1_scores_partial_overlap() -> None:
    # precision 2/3, recall 2/2
    assert token_f1("Denver Broncos team", ["Denver Broncos"]) == pytest.approx(0.8)
    assert token_f1("Carolina", ["Denver Broncos"]) == 0.0
    assert token_f1("", ["The"]) == 1.0  # both empty after normalisation
    assert token_f1("Denver", [""]) == 0.0


def test_token_recall_is_fair_to_a_verbose_correct_answer() -> None:
    verbose = "After a long season, the game was won by the Denver Broncos."
    assert token_recall(verbose, ["Denver Broncos"]) == 1.0
    assert token_f1(verbose, ["Denver Broncos"]) < 0.5


def test_containment_respects_word_boundaries() -> None:
    assert answer_contained("It was Denver, Colorado.", ["Denver"]) == 1.0
    assert answer_contained("Denverton is a small town.", ["Denver"]) == 0.0
    assert answer_contained("Anything at all.", ["The"]) == 0.0  # an empty gold contains nothing


def test_containment_ignores_a_currency_sign_written_or_left_out() -> None:
    assert answer_contained("The plan costs €690 per machine.", ["690"]) == 1.0
    assert answer_contained("The allowance is 58 euros a day.", ["€58"]) == 1.0
    assert answer_contained("The allowance is €580 a day.", ["€58"]) == 0.0
    assert exact_match("€690", ["690"]) == 0.0  # exact match keeps the official normalisation


def test_citation_markers_do_not_change_a_score() -> None:
    for score in (exact_match, token_f1, token_recall, answer_contained):
        assert score("Paris [1]", ["Paris"]) == score("Paris", ["Paris"]) == 1.0
    assert token_f1("It was Paris [1][2].", ["Paris"]) == token_f1("It was Paris.", ["Paris"])


@pytest.mark.parametrize(
    "answer",
    [
        "The documents do not say.",
        "The documents do not say [1].",
        "The context does not mention the price.",
        "The provided sources do not specify it.",
        "I don't know.",
    ],
)
def test_an_abstention_is_recognised_and_names_no_answer(answer: str) -> None:
    assert is_abstention(answer)
    assert token_f1(answer, ["say"]) == 0.0  # no credit for the words of the refusal itself
    assert answer_contained(answer, ["say"]) == 0.0


def test_a_refusal_is_neither_supported_nor_unsupported() -> None:
    support = groundedness("The documents do not say. No document mentions “Nimbus”.", SOURCES, "Nimbus price?")
    assert [s.checkable for s in support.sentences] == [False, False]
    assert support.grounded_share is None  # nothing to tint red


def test_an_answer_that_mentions_documents_is_not_an_abstention() -> None:
    assert not is_abstention("The documents say the allowance is €58 per day [1].")
    assert not is_abstention("Employees get 27 days of leave; the documents do not say more.")


def test_retrieval_hit_tells_a_search_miss_from_a_reading_miss() -> None:
    passages = ["The Denver Broncos beat the Carolina Panthers 24–10.", "Levi's Stadium hosted it."]
    assert retrieval_hit(passages, ["Denver Broncos"]) == 1.0
    assert retrieval_hit(passages, ["Santa Clara"]) == 0.0
    figures = answer_metrics("The Panthers won.", passages, "Who won Super Bowl 50?", ["Denver Broncos"])
    assert figures["retrieval_hit"] == 1.0 and figures["contained"] == 0.0  # found, then misread
    assert figures["words"] == 3.0 and figures["abstained"] == 0.0


def test_gold_based_scores_need_at_least_one_gold() -> None:
    with pytest.raises(ValueError):
        token_f1("Denver", [])


# --- groundedness -------------------------------------------------------------------------------------


def test_an_answer_copied_from_the_sources_is_fully_grounded() -> None:
    answer = "The administration fee is 40 euros per application. Refunds are paid within 14 days."
    result = groundedness(answer, SOURCES, "What does it cost?")
    assert result.grounded_share == 1.0
    assert result.k_precision == 1.0
    assert [s.best_source for s in result.sentences] == [2, 2]
    assert all(s.supported and s.coverage == 1.0 for s in result.sentences)


def test_an_invented_sentence_is_unsupported_and_lowers_the_shares() -> None:
    answer = "The administration fee is 40 euros. Unicorns run the refund desk on Mars."
    result = groundedness(answer, SOURCES, "What is the fee?")
    faithful, invented = result.sentences
    assert faithful.supported
    assert not invented.supported and invented.coverage < 0.6
    assert invented.text == "Unicorns run the refund desk on Mars."
    assert result.grounded_share == 0.5
    assert result.k_precision is not None and result.k_precision < 1.0


def test_a_wrong_figure_makes_a_sentence_unsupported_even_when_the_words_match() -> None:
    question = "What is the fee?"
    wrong = groundedness("The administration fee is 45 euros per application.", SOURCES, question)
    right = groundedness("The administration fee is 40 euros per application.", SOURCES, question)
    assert wrong.sentences[0].coverage >= 0.6  # the words alone would pass
    assert not wrong.sentences[0].supported
    assert right.sentences[0].supported
    assert not groundedness("The fee is 45 euros.", SOURCES, question).sentences[0].supported


ALLOWANCES = (
    "Destination: Germany; Daily allowance: €45; Hotel ceiling: €120\n"
    "Destination: Other EU countries, Norway, Switzerland and the UK; Daily allowance: €58; Hotel ceiling: €150\n"
    "Destination: Rest of the world; Daily allowance: €70; Hotel ceiling: €170"
)


def test_a_figure_read_off_the_wrong_table_row_is_unsupported() -> None:
    """Every word and the figure are in the passage, but €45 is Germany's row: the EU countries' row says €58."""
    question = "What is the daily allowance for a business trip to another EU country?"
    wrong = groundedness("The daily allowance for a trip to another EU country is €45.", [ALLOWANCES], question)
    right = groundedness("The daily allowance for a trip to another EU country is €58.", [ALLOWANCES], question)
    assert not wrong.sentences[0].supported
    assert right.sentences[0].supported


def test_a_name_taken_from_the_wrong_sentence_is_unsupported() -> None:
    passage = ("John Elway is the general manager of the Broncos. "
               "The Broncos were coached by John Fox until 2014, when Gary Kubiak took over.")
    question = "Who is the general manager of the Broncos?"
    wrong = groundedness("The general manager of the Broncos is John Fox.", [passage], question)
    right = groundedness("The general manager of the Broncos is John Elway.", [passage], question)
    assert not wrong.sentences[0].supported
    assert right.sentences[0].supported


def test_a_table_row_split_by_an_abbreviation_still_binds_its_figure() -> None:
    """"excl." ends no row: the price stays bound to the product named earlier in the same row."""
    rows = ("SKU: C5; Product: Brellvik Corvus 5; Description: Bean-to-cup machine; List price (EUR, excl. VAT): 6890\n"
            "SKU: MC4; Product: Milk cooler MC-4; Description: 4-litre cooler for Corvus 5; List price (EUR, excl. "
            "VAT): 540")
    answer = groundedness("The list price of the Brellvik Corvus 5 is 6890 EUR.", [rows],
                          "What is the list price of the Brellvik Corvus 5?")
    assert answer.sentences[0].supported


def test_numbers_match_across_thousands_separators_and_trailing_zeros() -> None:
    result = groundedness("The premium plan costs 1299.00 euros per year.", SOURCES)
    assert result.sentences[0].supported and result.sentences[0].best_source == 3


def test_a_count_written_as_a_word_meets_the_same_count_in_digits() -> None:
    """"5 solo tackles" restates "five solo tackles": a right answer must not be tinted red for its digits."""
    passage = "Von Miller recorded five solo tackles, 2½ sacks and two forced fumbles."
    question = "How many solo tackles did Von Miller make?"
    assert groundedness("Von Miller recorded 5 solo tackles.", [passage], question).sentences[0].supported
    assert groundedness("Von Miller recorded five solo tackles.", [passage], question).sentences[0].supported
    assert not groundedness("Von Miller recorded 6 solo tackles.", [passage], question).sentences[0].supported
    assert not groundedness("Von Miller recorded six solo tackles.", [passage], question).sentences[0].supported


def test_one_stays_a_word_so_a_pronoun_is_not_a_figure_to_look_for() -> None:
    passage = "A queue is a collection where the first element added is the first retrieved (first-in, first-out)."
    answer = "In a queue the first element added is the first one retrieved."
    assert groundedness(answer, [passage], "What is a queue?").sentences[0].supported


def test_plurals_meet_their_singular_and_citation_markers_are_ignored() -> None:
    result = groundedness("The board reviews each policy every year [2].", SOURCES)
    assert result.sentences[0].supported and result.sentences[0].best_source == 2


def test_sentences_too_short_to_check_are_left_out_of_the_share() -> None:
    result = groundedness("Sure! The administration fee is 40 euros.", SOURCES, "What is the fee?")
    sure, fee = result.sentences
    assert not sure.checkable and not sure.supported and sure.best_source is None
    assert fee.checkable and fee.supported
    assert result.grounded_share == 1.0


def test_restating_the_question_earns_no_credit() -> None:
    result = groundedness("The administration fee.", SOURCES, "What is the administration fee?")
    assert not result.sentences[0].checkable
    assert result.grounded_share is None and result.k_precision is None


def test_the_model_only_answer_scores_below_the_document_answer_on_the_same_sources() -> None:
    question = "How long do refunds take?"
    plain = groundedness("Refunds usually arrive within a month via bank transfer.", SOURCES, question)
    rag = groundedness("Refunds are paid within 14 days.", SOURCES, question)
    assert plain.k_precision is not None and rag.k_precision is not None
    assert plain.k_precision < rag.k_precision == 1.0
    assert plain.grounded_share == 0.0 and rag.grounded_share == 1.0


def test_an_empty_answer_or_no_sources_gives_no_shares() -> None:
    empty = groundedness("", SOURCES, "What is the fee?")
    assert empty.sentences == () and empty.grounded_share is None and empty.k_precision is None
    unsourced = groundedness("The administration fee is 40 euros.", [], "What is the fee?")
    assert unsourced.grounded_share is None and unsourced.k_precision is None
    assert not unsourced.sentences[0].supported and unsourced.sentences[0].best_source is None


# --- citations ----------------------------------------------------------------------------------------


def test_citations_to_missing_sources_are_invalid() -> None:
    answer = "The fee is 40 euros [1]. Refunds take 14 days [2, 3]. The office opens at nine [7]."
    check = check_citations(answer, source_count=3)
    assert check.cited == (1, 2, 3, 7)
    assert check.invalid == (7,)
    assert check.valid_share == 0.75
    assert check.coverage == 1.0


def test_citation_forms_source_words_ranges_and_coverage() -> None:
    answer = "The fee is 40 euros [Source 2]. Refunds take 14 days [1-3]. The office opens at nine."
    check = check_citations(answer, source_count=3)
    assert check.cited == (1, 2, 3)
    assert check.invalid == ()
    assert check.coverage == pytest.approx(2 / 3)


def test_an_answer_without_citations_has_zero_coverage_and_no_validity_share() -> None:
    check = check_citations("The fee is 40 euros. Sure!", source_count=3)
    assert check.cited == () and check.valid_share is None and check.coverage == 0.0
    empty = check_citations("", source_count=3)
    assert empty.coverage is None and empty.valid_share is None


# --- all figures together -----------------------------------------------------------------------------


def test_answer_metrics_is_a_flat_json_ready_dict() -> None:
    answer = "The administration fee is 40 euros [2]."
    figures = answer_metrics(answer, SOURCES, "What is the fee?")
    assert set(figures) == {
        "grounded_share", "k_precision", "citation_valid_share", "citation_coverage", "words", "abstained"
    }
    assert figures["grounded_share"] == 1.0 and figures["citation_valid_share"] == 1.0

    with_golds = answer_metrics(answer, SOURCES, "What is the fee?", golds=["40 euros"])
    assert with_golds["contained"] == 1.0 and with_golds["token_recall"] == 1.0
    assert with_golds["exact_match"] == 0.0 and 0.0 < (with_golds["f1"] or 0.0) < 1.0
    assert with_golds["retrieval_hit"] == 1.0  # "40 euros" is in the second passage
    assert json.loads(json.dumps(with_golds)) == with_golds


def test_answer_metrics_on_an_empty_answer_does_not_crash() -> None:
    figures = answer_metrics("", SOURCES, "What is the fee?", golds=["40 euros"])
    assert figures["grounded_share"] is None and figures["k_precision"] is None
    assert figures["exact_match"] == 0.0 and figures["f1"] == 0.0


def test_a_right_figure_about_a_product_the_sources_never_name_is_not_supported() -> None:
    prices = "Corvus 5 espresso machine: list price 6890 EUR excl. VAT. Aquila 3 grinder: list price 3490 EUR."
    question = "What is the list price of the Brellvik Nimbus 9 espresso machine?"
    made_up = groundedness("The list price of the Nimbus 9 espresso machine is 3490 EUR.", [prices], question)
    assert made_up.sentences[0].checkable and not made_up.sentences[0].supported
    right = groundedness("The list price of the Corvus 5 espresso machine is 6890 EUR.", [prices],
                         "What is the list price of the Corvus 5?")
    assert right.sentences[0].supported


def test_the_capital_letter_that_starts_a_sentence_is_not_taken_for_a_name() -> None:
    support = groundedness("Staff park in lot K7 behind the warehouse.", ["Staff park in lot K7 behind the warehouse."])
    assert support.sentences[0].supported
    support = groundedness("Parking is in lot K7 behind the warehouse.", ["Staff park in lot K7 behind the warehouse."])
    assert support.sentences[0].supported


def test_a_passage_need_not_repeat_the_product_name_the_question_gave() -> None:
    passages = ["Brellvik Corvus 5 operator manual.",
                "E27 | Boiler overheated (above 105 °C) | Let it cool 30 minutes."]
    support = groundedness("On the Brellvik Corvus 5, E27 means the boiler overheated above 105 °C.", passages,
                           "What does error code E27 mean on a Brellvik Corvus 5?")
    assert support.sentences[0].supported and support.sentences[0].best_source == 2


def test_a_groundedness_already_computed_gives_the_same_figures() -> None:
    """The Compare tab marks an answer's sentences and measures it from one groundedness check, not two."""
    answer = "E27 means the boiler overheated. Call Brellvik Service on 0800 123."
    sources = ["E27 | Boiler overheated (above 105 °C) | Switch off and let the machine cool for 30 minutes."]
    question = "What does E27 mean?"
    support = groundedness(answer, sources, question)
    assert answer_metrics(answer, sources, question, ["overheated"], grounding=support) == answer_metrics(
        answer, sources, question, ["overheated"])
    assert support.grounded_share == 0.5
