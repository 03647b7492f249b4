"""PDF through pypdfium2: fast (a 261-page manual in a quarter of a second) and permissively licensed.

One Section per page that has text, numbered by physical page, so a source can say "page 12" and the
user finds it in their viewer. pdfium is not thread-safe, hence one lock around every document.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from crossroads.errors import UnreadableFile
from crossroads.ingest import messages
from crossroads.ingest.document import Document, Section
from crossroads.ingest.normalize import normalise_pdf_text, one_line
from crossroads.ingest.pdf_tables import Table, TextBox, find_tables, might_hold_table

if TYPE_CHECKING:
    import pypdfium2

_PDFIUM_LOCK = threading.Lock()
_LISTED_PAGES = 12
_PRODUCER_PREFIX = re.compile(r"^(Microsoft (Word|PowerPoint|Excel) - )", re.IGNORECASE)
_FILE_SUFFIX = re.compile(r"\.(docx?|pptx?|xlsx?|pdf)$", re.IGNORECASE)


def load(path: Path) -> Document:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    with _PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(path)
        except pdfium.PdfiumError as exc:
            if exc.err_code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
                raise UnreadableFile(messages.password_protected(path, "pdf")) from exc
            raise UnreadableFile(messages.damaged(path, "pdf")) from exc
        try:
            page_count = len(pdf)
            texts = [_page_text(pdf, index) for index in range(page_count)]
            info = pdf.get_metadata_dict(skip_empty=True)
        finally:
            pdf.close()

    sections = [Section(text=text, page=number) for number, text in enumerate(texts, 1) if text]
    if page_count and not sections:
        raise UnreadableFile(messages.scanned(path))
    warnings = []
    blank = [number for number, text in enumerate(texts, 1) if not text]
    if blank:
        warnings.append(_blank_pages_warning(path, blank, page_count))
    metadata = {"pages": str(page_count)}
    if info.get("Author", "").strip():
        metadata["author"] = one_line(info["Author"])
    return Document(path=path, kind="pdf", title=_title(info.get("Title", ""), path), sections=sections,
                    metadata=metadata, warnings=warnings)


def _page_text(pdf: pypdfium2.PdfDocument, index: int) -> str:
    """The page's text, normalised; empty for a page without text or one too damaged to open."""
    import pypdfium2 as pdfium

    try:
        page = pdf[index]
    except pdfium.PdfiumError:
        return ""
    try:
        textpage = page.get_textpage()
        try:
            raw = textpage.get_text_range()
            rects = [textpage.get_rect(index) for index in range(textpage.count_rects())]
            tables = find_tables(_boxes(textpage, rects)) if might_hold_table(rects) else []
        finally:
            textpage.close()
    finally:
        page.close()
    return normalise_pdf_text(with_tables(raw, tables))


def _boxes(textpage: pypdfium2.PdfTextPage, rects: Sequence[tuple[float, float, float, float]]) -> list[TextBox]:
    """The page's runs of text with their rectangles: where the table finder looks for columns."""
    return [TextBox(left, bottom, right, top, textpage.get_text_bounded(left, bottom, right, top))
            for left, bottom, right, top in rects]


def with_tables(raw: str, tables: Sequence[Table]) -> str:
    """The page text with each table's stretch replaced by its rows ("Column: value; …").

    A table is replaced only when its boxes are found in the text one after the other with nothing else between
    them; otherwise that table stays as pdfium gave it.
    """
    out, cursor = [], 0
    for table in tables:
        start = position = None
        found = 0
        for box in table.boxes:
            piece = box.text.strip()
            at = raw.find(piece, cursor if position is None else position)
            if at < 0:
                break
            start = at if start is None else start
            position = at + len(piece)
            found += len(re.sub(r"\s", "", piece))
        else:
            if start is not None and position is not None and len(re.sub(r"\s", "", raw[start:position])) == found:
                out += [raw[cursor:start], f"\n{table.text}\n"]
                cursor = position
    out.append(raw[cursor:])
    return "".join(out)


def _title(raw: str, path: Path) -> str:
    """The document's own title, unless it is empty or just the name of the file it was printed from."""
    title = _FILE_SUFFIX.sub("", _PRODUCER_PREFIX.sub("", one_line(raw)))
    if not title or title.lower() in {"untitled", "untitled document"}:
        return path.stem
    return title


def _blank_pages_warning(path: Path, blank: list[int], page_count: int) -> str:
    listed = ", ".join(str(number) for number in blank[:_LISTED_PAGES])
    if len(blank) > _LISTED_PAGES:
        listed += f" and {len(blank) - _LISTED_PAGES} more"
    noun = "page has" if len(blank) == 1 else "pages have"
    return (f"{len(blank)} of {page_count} {noun} no text in {path.name} (page {listed}); they may be "
            "scanned images and were left out. Run the file through OCR to include them.")
