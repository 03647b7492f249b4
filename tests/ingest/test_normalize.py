"""Text clean-up: what pdfium hands over becomes text a person (and a retriever) reads naturally."""

from __future__ import annotations

from crossroads.ingest.normalize import collapse, normalise_pdf_text, tidy


def test_pdf_text_gets_plain_newlines_and_single_spaces() -> None:
    assert normalise_pdf_text("First  line \r\nsecond\tline\r\n") == "First line\nsecond line"


def test_pdf_ligatures_become_plain_letters() -> None:
    assert normalise_pdf_text("The \ufb01nal e\ufb03cient \ufb02ow") == "The final efficient flow"


def test_hyphenated_line_breaks_are_joined_into_one_word() -> None:
    assert normalise_pdf_text("infor-\r\nmation and data-\n  base") == "information and database"


def test_pdfium_soft_hyphen_markers_are_joined() -> None:
    assert normalise_pdf_text("infor\ufffemation, trans\x02\r\nport") == "information, transport"


def test_a_hyphen_before_a_capital_or_number_stays() -> None:
    assert normalise_pdf_text("Covid-\n19 and ISO-\nStandard") == "Covid-\n19 and ISO-\nStandard"


def test_paragraph_breaks_survive_but_runs_of_blank_lines_shrink() -> None:
    assert normalise_pdf_text("One.\r\n\r\n\r\n\r\nTwo.") == "One.\n\nTwo."


def test_tidy_keeps_indentation_but_drops_trailing_blanks() -> None:
    assert tidy("\n  code()   \r\n\n\n\nnext\t\n") == "  code()\n\nnext"


def test_collapse_squeezes_spaces_around_lines() -> None:
    assert collapse("  a \t b \n   c  ") == "a b\nc"
