"""Tables in PDFs read as rows that carry their column names, like spreadsheet rows; all other text is untouched.

The PDFs are drawn here with fpdf2 the way office tools lay tables out: cells that wrap onto two lines, values
centred beside them, a paragraph right under the table. Bullet lists and two-column prose are not tables.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from crossroads.ingest import load_document

WRAPPING = [
    ("Destination", "Daily allowance", "Hotel limit per night"),
    ("Netherlands and Belgium", "€45", "€140"),
    ("Other EU countries, Norway, Switzerland and the United Kingdom of Great Britain", "€58", "€170"),
    ("Outside Europe", "€72", "€210"),
]
LONG_LAST_COLUMN = [
    ("Amount", "Approved by"),
    ("Up to €750", "Your line manager"),
    ("Above €5,000", "The Chief Financial Officer, with a second quote from another supplier of the same goods"),
    ("Any amount abroad", "The travel desk"),
]


def _pdf(path: Path, draw: Callable[..., None]) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("dejavu", fname=_font("DejaVuSans.ttf"))
    pdf.add_font("dejavu", style="B", fname=_font("DejaVuSans-Bold.ttf"))  # table headings are bold
    pdf.set_font("dejavu", size=10)
    pdf.add_page()
    draw(pdf)
    pdf.output(str(path))
    return path


def _font(name: str) -> str:
    """A Unicode font for the euro sign: the one the report module ships."""
    return str(Path(__file__).resolve().parents[2] / "desktop" / "crossroads" / "report" / "fonts" / name)


def _table(rows: Sequence[Sequence[str]], widths: Sequence[int], before: str = "", after: str = ""):  # type: ignore[no-untyped-def]
    def draw(pdf) -> None:  # type: ignore[no-untyped-def]
        if before:
            pdf.multi_cell(0, 5, before, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
        with pdf.table(col_widths=widths, width=sum(widths), align="LEFT", line_height=6.5, padding=1.5) as table:
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(value)
        if after:
            pdf.ln(3)
            pdf.multi_cell(0, 5, after, new_x="LMARGIN", new_y="NEXT")

    return draw


def _text(path: Path) -> str:
    return "\n".join(section.text for section in load_document(path).sections)


def test_a_table_row_whose_first_cell_wraps_keeps_its_values_and_every_row_names_its_columns(tmp_path: Path) -> None:
    text = _text(_pdf(tmp_path / "travel.pdf", _table(WRAPPING, (70, 35, 45),
                                                      before="The allowance covers meals and small expenses.",
                                                      after="A hotel above the limit needs approval.")))
    assert ("Destination: Other EU countries, Norway, Switzerland and the United Kingdom of Great Britain; "
            "Daily allowance: €58; Hotel limit per night: €170") in text
    assert "Destination: Netherlands and Belgium; Daily allowance: €45; Hotel limit per night: €140" in text
    assert text.index("The allowance covers") < text.index("Destination: Netherlands") < text.index("A hotel above")
    assert "A hotel above the limit needs approval." in text  # the paragraph under the table is its own text


def test_a_wrapped_cell_in_the_last_column_stays_in_its_row(tmp_path: Path) -> None:
    text = _text(_pdf(tmp_path / "approvals.pdf", _table(LONG_LAST_COLUMN, (40, 80))))
    assert ("Amount: Above €5,000; Approved by: The Chief Financial Officer, with a second quote from another "
            "supplier of the same goods") in text
    assert "Amount: Any amount abroad; Approved by: The travel desk" in text


@pytest.mark.parametrize("kind", ["bullets", "two columns", "prose"])
def test_pages_without_a_table_read_exactly_as_before(tmp_path: Path, kind: str) -> None:
    import pypdfium2 as pdfium

    from crossroads.ingest.normalize import normalise_pdf_text

    words = ("Staff travel by train for trips under seven hundred kilometres and book hotels through the desk. "
             "Receipts are kept for seven years. ") * 6

    def draw(pdf) -> None:  # type: ignore[no-untyped-def]
        if kind == "bullets":
            for item in ("Trains under 700 km.", "Economy class for short flights.", "Taxis after 22:00.",
                         "Own car at €0.23 per km."):
                pdf.cell(5, 6, "•")
                pdf.multi_cell(0, 6, item, new_x="LMARGIN", new_y="NEXT")
        elif kind == "two columns":
            with pdf.text_columns(ncols=2, gutter=10) as columns:
                columns.write(words * 2)
        else:
            pdf.multi_cell(0, 5, words)

    path = _pdf(tmp_path / f"{kind}.pdf", draw)
    document = pdfium.PdfDocument(path)
    try:
        textpage = document[0].get_textpage()
        expected = normalise_pdf_text(textpage.get_text_range())
        textpage.close()
    finally:
        document.close()
    assert _text(path) == expected
