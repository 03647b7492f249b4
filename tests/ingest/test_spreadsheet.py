"""Workbooks and CSV: every row a self-contained line, named by its column headers when there are any."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from crossroads.ingest import load_document
from crossroads.ingest.tabular import format_cell, looks_like_header, render_rows

from .helpers import assert_offsets_index_text


def make_workbook(path: Path) -> Path:
    import openpyxl

    workbook = openpyxl.Workbook()
    prices = workbook.active
    prices.title = "Prices"
    prices.append(["Product", "Price", "Valid from", None, "Stock"])
    prices.append(["Widget", 12.5, dt.datetime(2024, 1, 1), None, 40])
    prices.append([None, None, None, None, None])
    prices.append(["Gadget", 0.1 + 0.2, dt.datetime(2024, 3, 1, 9, 30), None, None])
    prices.append(["Gizmo", "=B2*2", None, None, 3])
    stock = workbook.create_sheet("Stock")
    stock.append(["Widget", 40, "Hall A"])
    stock.append(["Gadget", 0, "sold out"])
    workbook.create_sheet("Empty")
    workbook.properties.title = "Price list 2024"
    workbook.save(path)
    return path


def test_each_sheet_is_a_section_named_and_numbered(tmp_path: Path) -> None:
    document = load_document(make_workbook(tmp_path / "prices.xlsx"))

    assert document.kind == "xlsx"
    assert [(s.page, s.heading) for s in document.sections] == [(1, "Prices"), (2, "Stock")]
    assert document.title == "Price list 2024"
    assert document.metadata["sheets"] == "3"
    assert_offsets_index_text(document)


def test_rows_under_a_header_become_self_contained_lines(tmp_path: Path) -> None:
    document = load_document(make_workbook(tmp_path / "prices.xlsx"))

    assert document.sections[0].text.splitlines() == [
        "Product: Widget; Price: 12.5; Valid from: 2024-01-01; Stock: 40",
        "Product: Gadget; Price: 0.3; Valid from: 2024-03-01 09:30",
        "Product: Gizmo; Stock: 3",  # a formula shows its saved result, never its code; here none was saved
    ]


def test_rows_without_a_header_are_joined_with_bars(tmp_path: Path) -> None:
    document = load_document(make_workbook(tmp_path / "prices.xlsx"))
    assert document.sections[1].text == "Widget | 40 | Hall A\nGadget | 0 | sold out"


def test_a_csv_with_semicolons_in_cp1252_reads_like_a_sheet(write_text: Callable[..., Path]) -> None:
    path = write_text("tarifs.csv", "Produit;Prix;Remarque\nCafé;2,50 €;très bon\nThé;1,80 €;\n", "cp1252")
    document = load_document(path)

    assert document.kind == "csv"
    assert document.title == "tarifs"
    assert document.sections[0].page is None
    assert document.text == "Produit: Café; Prix: 2,50 €; Remarque: très bon\nProduit: Thé; Prix: 1,80 €"


def test_a_quoted_csv_keeps_commas_inside_fields(write_text: Callable[..., Path]) -> None:
    path = write_text("people.csv", 'Name,Role,Office\n"Smith, Anna",Partner,"Zurich, CH"\n'
                      '"Lee, Bo",Analyst,"Basel, CH"\n')
    assert load_document(path).text.splitlines() == [
        "Name: Smith, Anna; Role: Partner; Office: Zurich, CH",
        "Name: Lee, Bo; Role: Analyst; Office: Basel, CH",
    ]


def test_a_tsv_file_is_read_with_tabs(write_text: Callable[..., Path]) -> None:
    path = write_text("stock.tsv", "Item\tCount\nBolts\t500\nNuts\t350\n")
    assert load_document(path).text == "Item: Bolts; Count: 500\nItem: Nuts; Count: 350"


@pytest.mark.parametrize(("value", "text"), [
    (None, ""), (True, "TRUE"), (3.0, "3"), (12.300000000000001, "12.3"), (1234567.89, "1234567.89"),
    (dt.datetime(2024, 5, 6), "2024-05-06"), (dt.date(2024, 5, 6), "2024-05-06"),
    ("  two\n lines ", "two lines"),
])
def test_cells_read_as_a_person_would_write_them(value: object, text: str) -> None:
    assert format_cell(value) == text


def test_a_first_row_of_distinct_short_labels_is_a_header() -> None:
    assert looks_like_header(["Name", "Age"], [["Ann", 31], ["Bo", 45]])
    assert looks_like_header(["Term", "Meaning"], [["RAG", "retrieval-augmented generation, a way to ..."]])
    assert looks_like_header(["Revenue", 2023, "2024"], [["Consulting", 1.5, 1.9]])


def test_evidence_against_a_header_rules_it_out() -> None:
    assert not looks_like_header(["Widget", 12.5], [["Gadget", 3]]), "a number is data, not a label"
    assert not looks_like_header(["Ann", 2023], [["Bo", 2024]]), "a year over years is data"
    assert not looks_like_header(["Name", "Name"], [["Ann", 1]]), "labels are distinct"
    assert not looks_like_header(["A very long sentence " * 5, "x"], [["a", "b"]]), "labels are short"
    assert not looks_like_header(["Name", None, None, None], [["a", "b", "c", "d"]]), "labels span the table"
    assert not looks_like_header(["Name", "Age"], []), "a header needs rows beneath"


def test_a_title_row_above_the_header_stays_a_line_of_its_own() -> None:
    rows = [["Price list 2024"], [], ["Product", "Price"], ["Widget", 12.5]]
    assert render_rows(rows) == "Price list 2024\nProduct: Widget; Price: 12.5"


def test_an_explicit_header_is_used_as_given() -> None:
    assert render_rows([["a", "b"]], header=["X", "Y"]) == "X: a; Y: b"
