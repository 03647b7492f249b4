"""Format detection trusts the content over the name, so renamed files still reach the right loader."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from crossroads.ingest import SUPPORTED_SUFFIXES, detect_kind


def test_supported_suffixes_cover_every_format() -> None:
    for suffix in (".pdf", ".docx", ".pptx", ".xlsx", ".csv", ".html", ".htm", ".md", ".markdown", ".txt"):
        assert suffix in SUPPORTED_SUFFIXES


def test_kinds_follow_the_extension_for_text_formats(write_text: Callable[..., Path]) -> None:
    assert detect_kind(write_text("a.csv", "x,y\n1,2\n")) == "csv"
    assert detect_kind(write_text("a.HTM", "<p>hi</p>")) == "html"
    assert detect_kind(write_text("a.md", "# Hi\n")) == "markdown"
    assert detect_kind(write_text("a.txt", "hi\n")) == "text"
    assert detect_kind(write_text("README", "plain words\n")) == "text"


def test_a_pdf_is_recognised_whatever_its_name(make_pdf: Callable[..., Path]) -> None:
    pdf = make_pdf("report.pdf", ["Text."])
    renamed = pdf.rename(pdf.with_name("report.txt"))
    assert detect_kind(renamed) == "pdf"
    assert detect_kind(renamed.rename(pdf.with_name("report.bin"))) == "pdf"


def test_office_files_are_told_apart_by_their_zip_folders(make_docx: Callable[..., Path],
                                                          tmp_path: Path) -> None:
    import openpyxl
    import pptx

    word = make_docx("letter.docx", [("p", "Hello")])
    assert detect_kind(word) == "docx"
    assert detect_kind(word.rename(tmp_path / "letter.pdf")) == "docx"

    workbook = openpyxl.Workbook()
    workbook.save(tmp_path / "sheet.dat")
    assert detect_kind(tmp_path / "sheet.dat") == "xlsx"

    pptx.Presentation().save(str(tmp_path / "deck.docx"))
    assert detect_kind(tmp_path / "deck.docx") == "pptx"


def test_a_text_file_that_mentions_the_pdf_header_stays_text(write_text: Callable[..., Path]) -> None:
    assert detect_kind(write_text("notes.md", "# Formats\n\nA PDF starts with %PDF-1.7.\n")) == "markdown"


def test_html_without_an_html_extension_is_sniffed(write_text: Callable[..., Path]) -> None:
    assert detect_kind(write_text("page.aspx", "<!DOCTYPE html>\n<html><body>x</body></html>")) == "html"
    assert detect_kind(write_text("saved", "  <html lang='en'><body>x</body></html>")) == "html"


def test_binary_data_has_no_kind_even_with_a_text_name(tmp_path: Path) -> None:
    blob = tmp_path / "notes.txt"
    blob.write_bytes(bytes(range(256)) * 8)
    assert detect_kind(blob) is None


def test_utf16_text_is_not_mistaken_for_binary(write_text: Callable[..., Path]) -> None:
    assert detect_kind(write_text("w.txt", "Windows text", "utf-16")) == "text"
    assert detect_kind(write_text("w2.txt", "No byte order mark here", "utf-16-le")) == "text"


def test_a_damaged_zip_named_docx_keeps_its_kind_so_the_loader_can_explain(tmp_path: Path) -> None:
    broken = tmp_path / "contract.docx"
    broken.write_bytes(b"PK\x03\x04" + b"\x14\x00garbage" * 50)
    assert detect_kind(broken) == "docx"


def test_unknown_formats_and_missing_files_have_no_kind(tmp_path: Path,
                                                        write_text: Callable[..., Path]) -> None:
    assert detect_kind(write_text("data.json", '{"a": 1}')) is None
    assert detect_kind(tmp_path / "nowhere.pdf") is None
    png = tmp_path / "logo.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    assert detect_kind(png) is None


def test_renamed_files_load_with_the_loader_their_content_calls_for(
        make_docx: Callable[..., Path], make_pdf: Callable[..., Path], tmp_path: Path) -> None:
    import openpyxl

    from crossroads.ingest import load_document

    workbook = openpyxl.Workbook()
    workbook.active.append(["Item", "Count"])
    workbook.active.append(["Bolts", 500])
    workbook.save(tmp_path / "export.dat")
    word = make_docx("letter.docx", [("p", "Dear client,")]).rename(tmp_path / "letter.pdf")
    pdf = make_pdf("scan.pdf", ["Invoice 42"]).rename(tmp_path / "invoice.txt")

    assert load_document(tmp_path / "export.dat").text == "Item: Bolts; Count: 500"
    assert load_document(word).text == "Dear client,"
    assert load_document(pdf).text == "Invoice 42"
