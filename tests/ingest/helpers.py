"""Helpers shared by the ingest tests (plain functions; the fixtures in conftest build on them)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from crossroads.ingest import Document


def assert_offsets_index_text(document: Document) -> None:
    """Each section's offset points at exactly that section's text inside Document.text."""
    assert len(document.offsets) == len(document.sections)
    for offset, section in zip(document.offsets, document.sections, strict=True):
        assert document.text[offset:offset + len(section.text)] == section.text


def write_pdf(path: Path, pages: Sequence[str | None], title: str | None = None,
              user_password: str | None = None) -> Path:
    """One page per entry; None makes a page with only a drawn rectangle and no text layer."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    if title:
        pdf.set_title(title)
    for text in pages:
        pdf.add_page()
        if text is None:
            pdf.rect(20, 20, 120, 80, style="F")
        else:
            pdf.multi_cell(0, 6, text)
    if user_password:
        pdf.set_encryption(owner_password="owner-secret", user_password=user_password)
    pdf.output(str(path))
    return path
