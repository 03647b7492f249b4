"""PDF loading: one section per page with text, true page numbers, readable text, clear refusals."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from crossroads.errors import UnreadableFile
from crossroads.ingest import load_document

from .helpers import assert_offsets_index_text

MakePdf = Callable[..., Path]


def test_each_page_becomes_a_section_with_its_physical_page_number(make_pdf: MakePdf) -> None:
    pages = [f"Page {n} explains topic number {n} in plain words." for n in range(1, 6)]
    document = load_document(make_pdf("manual.pdf", pages))

    assert document.kind == "pdf"
    assert [section.page for section in document.sections] == [1, 2, 3, 4, 5]
    for section, expected in zip(document.sections, pages, strict=True):
        assert section.text == expected
    assert document.metadata["pages"] == "5"
    assert document.page_count == 5
    assert document.warnings == []
    assert_offsets_index_text(document)


def test_the_title_comes_from_the_pdf_metadata_else_the_file_name(make_pdf: MakePdf) -> None:
    assert load_document(make_pdf("a.pdf", ["Text."], title="Service Manual")).title == "Service Manual"
    assert load_document(make_pdf("pricing-2024.pdf", ["Text."])).title == "pricing-2024"
    printed = make_pdf("b.pdf", ["Text."], title="Microsoft Word - Offer.docx")
    assert load_document(printed).title == "Offer"


def test_text_is_normalised_line_endings_spaces_and_hyphenated_breaks(make_pdf: MakePdf) -> None:
    text = "The infor-\nmation desk   opens at nine.\n\n\n\nA second paragraph follows."
    document = load_document(make_pdf("notes.pdf", [text]))

    body = document.sections[0].text
    assert "information desk opens at nine." in body
    assert "\r" not in body
    assert "  " not in body
    assert "\n\n\n" not in body
    assert "A second paragraph follows." in body


def test_pages_without_text_are_skipped_and_the_user_is_told_which(make_pdf: MakePdf) -> None:
    document = load_document(make_pdf("mixed.pdf", ["First page text.", None, "Third page text.", None]))

    assert [section.page for section in document.sections] == [1, 3]
    assert document.metadata["pages"] == "4"
    assert len(document.warnings) == 1
    warning = document.warnings[0]
    assert "mixed.pdf" in warning
    assert "2 of 4 pages" in warning
    assert "2, 4" in warning
    assert "OCR" in warning
    assert_offsets_index_text(document)


def test_a_pdf_with_no_text_layer_at_all_is_refused_as_a_scan(make_pdf: MakePdf) -> None:
    with pytest.raises(UnreadableFile) as caught:
        load_document(make_pdf("scan.pdf", [None, None]))

    assert "scan.pdf looks like a scan: it has no text layer" in caught.value.message
    assert "OCR" in caught.value.message


def test_a_password_protected_pdf_is_refused_with_what_to_do(make_pdf: MakePdf) -> None:
    locked = make_pdf("locked.pdf", ["Secret figures."], user_password="letmein")

    with pytest.raises(UnreadableFile) as caught:
        load_document(locked)

    assert "locked.pdf is protected by a password" in caught.value.message
    assert "remove the" in caught.value.message


def test_a_pdf_with_only_an_owner_password_still_reads(make_pdf: MakePdf) -> None:
    """Permissions-only encryption (no password to open) is common in vendor manuals; it must not block."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 6, "Readable despite restrictions.")
    pdf.set_encryption(owner_password="owner-only")
    path = make_pdf("placeholder.pdf", ["x"]).with_name("restricted.pdf")
    pdf.output(str(path))

    assert load_document(path).sections[0].text == "Readable despite restrictions."


def test_a_truncated_pdf_is_reported_as_damaged(make_pdf: MakePdf) -> None:
    path = make_pdf("broken.pdf", ["Some text on the page."])
    path.write_bytes(path.read_bytes()[:120])

    with pytest.raises(UnreadableFile) as caught:
        load_document(path)

    assert "broken.pdf looks damaged" in caught.value.message
    assert "save it again" in caught.value.message
