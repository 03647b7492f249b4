"""Word documents: sections at headings, tables in reading order, a sensible title."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from crossroads.ingest import load_document

from .helpers import assert_offsets_index_text

MakeDocx = Callable[..., Path]


def test_sections_split_at_headings_and_carry_the_nearest_heading(make_docx: MakeDocx) -> None:
    path = make_docx("handbook.docx", [
        ("p", "Welcome to the handbook."),
        ("h1", "Travel"),
        ("p", "Book trains, not planes."),
        ("h2", "Expenses"),
        ("p", "Submit receipts within 30 days."),
        ("p", "Use the expense form."),
        ("h1", "Leave"),
        ("p", "Twenty-five days a year."),
    ])
    document = load_document(path)

    assert document.kind == "docx"
    assert [section.heading for section in document.sections] == [None, "Travel", "Expenses", "Leave"]
    assert document.sections[2].text == "Expenses\n\nSubmit receipts within 30 days.\n\nUse the expense form."
    assert all(section.page is None for section in document.sections)
    assert_offsets_index_text(document)


def test_tables_appear_in_reading_order_with_cells_joined(make_docx: MakeDocx) -> None:
    path = make_docx("prices.docx", [
        ("h1", "Price list"),
        ("p", "Prices exclude VAT."),
        ("table", [["Product", "Price"], ["Widget", "12.50 EUR"], ["Gadget", "99 EUR"]]),
        ("p", "Valid until December."),
    ])
    document = load_document(path)

    assert document.sections[0].text == (
        "Price list\n\nPrices exclude VAT.\n\nProduct | Price\nWidget | 12.50 EUR\nGadget | 99 EUR"
        "\n\nValid until December."
    )


def test_merged_table_cells_appear_once(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    table = document.add_table(rows=2, cols=3)
    table.cell(0, 0).merge(table.cell(0, 2)).text = "Quarterly figures"
    for column, value in enumerate(["Q1", "Q2", "Q3"]):
        table.cell(1, column).text = value
    document.save(str(tmp_path / "merged.docx"))

    assert load_document(tmp_path / "merged.docx").text == "Quarterly figures\nQ1 | Q2 | Q3"


def test_the_title_comes_from_properties_then_the_first_heading_then_the_name(make_docx: MakeDocx) -> None:
    blocks = [("title", "Annual Report 2024"), ("h1", "Summary"), ("p", "Revenue grew.")]
    assert load_document(make_docx("a.docx", blocks, title="Official Title")).title == "Official Title"
    assert load_document(make_docx("b.docx", blocks)).title == "Annual Report 2024"
    assert load_document(make_docx("minutes-march.docx", [("p", "Notes only.")])).title == "minutes-march"


def test_the_title_style_starts_a_section_like_a_heading(make_docx: MakeDocx) -> None:
    document = load_document(make_docx("r.docx", [("title", "Annual Report"), ("p", "Intro text.")]))
    assert document.sections[0].heading == "Annual Report"
