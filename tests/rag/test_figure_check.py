"""The documents column never gives, as the documents' answer, a figure that none of its passages contains."""

from __future__ import annotations

import pytest

from crossroads.compare import Source, _answer
from crossroads.engine.events import SequenceDone, Timings
from crossroads.evaluation.metrics import answer_contained, is_abstention
from crossroads.rag.figure_check import counted, figures, known_figures, unfound_figures, withheld_answer

PARKING = "Staff park in lot K7 behind the warehouse. The office opens at eight."


def test_the_answers_figures_are_read_without_its_citations_and_codes() -> None:
    assert figures("There are 340 parking spaces [1].") == ["340"]
    assert figures("Error E27 means the boiler is above 105 °C [2]; wait 30 minutes.") == ["105", "30"]
    assert figures("Revenue was $1.2 billion in 2025.") == ["1.2 billion", "2025"]
    assert figures("Two days per week.") == []  # figures in words are not checked


@pytest.mark.parametrize(("answer", "passage"), [
    ("The price is €1,299.", "List price: 1299 EUR"),
    ("It costs 3.5 euros.", "The cost is 3.50 euros."),
    ("It costs 3,5 euros.", "The cost is 3.5 euros."),
    ("Up to 2 days a week.", "Employees may work from home two days per week."),
    ("Twenty-seven: 27 days.", "Full-time employees receive twenty-seven days of paid leave."),
    ("It came 2nd.", "The team finished second."),
    ("About $1,200,000,000.", "Revenue reached $1.2 billion."),
    ("1.2 billion dollars.", "Revenue reached 1,200,000,000 dollars."),
    ("Order by 14:00.", "Orders placed before 14:00 ship the same day."),
    ("Firmware 4.2.0 added it.", "## Version 4.2.0\nAdded the oat milk profile."),
    ("It is 12%.", "A rate of 12 percent applies."),
    ("The 50th game.", "Super Bowl 50 was played in 2016."),
])
def test_a_figure_is_found_in_any_of_its_usual_spellings(answer: str, passage: str) -> None:
    assert unfound_figures(answer, [passage]) == []


def test_a_figure_from_nowhere_is_named() -> None:
    assert unfound_figures("There are 340 parking spaces at the headquarters [1].", [PARKING]) == ["340"]
    assert unfound_figures("Revenue was $1.2 billion.", ["Revenue grew in every region."]) == ["1.2 billion"]


def test_a_figure_the_question_gives_may_be_repeated() -> None:
    question = "What was the revenue in 2025?"
    assert unfound_figures("In 2025 it was not reported.", ["Revenue grew."], question) == []


def test_the_passages_own_numbers_in_words_and_parts_count() -> None:
    known = known_figures(["Orders before 14:00, version 4.2.0, ninety-nine items, a dozen eggs."])
    assert {"14", "4", "99", "12"} <= known


def test_the_withheld_answer_is_an_abstention_that_names_the_figure() -> None:
    text = withheld_answer(["340"])
    assert text == "The documents do not say. No passage contains “340”."
    assert is_abstention(text) and answer_contained(text, ["340"]) == 0.0


def _source(text: str) -> Source:
    return Source(1, "Handbook", "handbook.md", None, "Parking", 7, 0.8, text, 0, len(text))


def _done(text: str) -> SequenceDone:
    return SequenceDone(0, text, "stop", Timings(50, 12, 0, 0.4, 1.2, 10.0))


def test_the_documents_column_withholds_an_invented_figure_and_keeps_it_for_the_user() -> None:
    invented = "There are 340 parking spaces at the headquarters [1]."
    answer = _answer("rag", _done(invented), [_source(PARKING)], [PARKING], "How many parking spaces are there?",
                     None)
    assert answer.text == "The documents do not say. No passage contains “340”."
    assert answer.withheld == invented and answer.finish_reason == "unfound_figure"
    assert answer.metrics["abstained"] == 1.0
    assert answer.to_dict()["withheld"] == invented


def test_a_figure_in_the_passages_and_the_model_only_column_are_left_alone() -> None:
    question = "How many parking spaces are there?"
    kept = _answer("rag", _done("Staff park in lot K7 [1]."), [_source(PARKING)], [PARKING], question, None)
    assert kept.withheld is None and kept.finish_reason == "stop"
    plain = _answer("plain", _done("There are 340 spaces."), [_source(PARKING)], [PARKING], question, None)
    assert plain.text == "There are 340 spaces." and plain.withheld is None


HEADCOUNT = "Today about 340 colleagues work at our Eindhoven headquarters. Visitors sign in at reception."


def test_a_figure_from_the_passages_counting_what_no_passage_mentions_is_named_with_it() -> None:
    answer = "According to the sources, the Eindhoven headquarters has 340 parking spaces [1]."
    assert unfound_figures(answer, [HEADCOUNT], "How many parking spaces are there?") == ["340 parking spaces"]
    assert unfound_figures("About 340 colleagues work there [1].", [HEADCOUNT]) == []


@pytest.mark.parametrize("answer", [
    "The Premier plan costs €690 per machine per year.",  # a rate: "per" ends what is counted
    "It is 690 EUR.",  # a unit in capitals is no counted thing
    "The team has 340 people.",  # the sentence holding 340 names what it counts
])
def test_rates_and_units_are_not_read_as_counted_things(answer: str) -> None:
    passages = ["Premier support | 690 | per machine and year", "Headcount: 340 people in Eindhoven."]
    assert unfound_figures(answer, passages) == []


def test_words_that_only_describe_a_named_counted_thing_are_not_checked() -> None:
    passages = ["In honor of the 50th Super Bowl, 39 of the 43 previous Super Bowl Most Valuable Players appeared."]
    question = "How many former MVP honorees were present for a pregame ceremony?"
    assert unfound_figures("39 former MVP honorees were present.", passages, question) == []
    assert counted("The 39 former MVP honorees were present.") == []
    assert counted("There are 340 parking spaces at HQ.") == [("340", "parking spaces")]  # the noun ends it


def test_a_figure_phrase_restated_from_the_question_is_not_withheld() -> None:
    question = "What company paid for a Super Bowl 50 ad to show a trailer of X-Men: Apocalypse?"
    passages = ["Fox paid for a commercial during Super Bowl 50 to show the X-Men: Apocalypse trailer."]
    assert unfound_figures("Fox paid for the Super Bowl 50 ad.", passages, question) == []
