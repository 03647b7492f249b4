"""Helpers for the window tests."""

from __future__ import annotations

from pathlib import Path

WAIT_MS = 120_000  # generous: the machine is shared; a correct app finishes far sooner


def write_pdf(path: Path, pages: list[str], title: str) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title(title)
    pdf.set_font("helvetica", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    pdf.output(str(path))
    return path


def wait_idle(qtbot, window, timeout: int = WAIT_MS) -> None:  # type: ignore[no-untyped-def]
    """Until no indexing or answering is running (and the last results have been shown)."""
    qtbot.waitUntil(lambda: not window.library.indexing and not window.compare.running
                    and not window.loading_model, timeout=timeout)
