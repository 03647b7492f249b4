"""A cited passage shown where it came from: in the text around it, and for PDFs on the page itself.

The context is rebuilt from the knowledge base's own stored passages (their character offsets are exact), so it
needs neither the original file nor a second parse, and still works after the file has moved. PDF pages are
rendered with pdfium and the passage located on the page by searching a few of its phrases: pdfium's text layer
breaks lines where the extracted text does not, so the first and last phrases found bound the highlight.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from crossroads.errors import KnowledgeBaseError, UnreadableFile

if TYPE_CHECKING:
    from crossroads.store import KnowledgeBase

CONTEXT_CHARS = 1500  # shown before and after the passage
_PHRASE_WORDS = 5


@dataclass(frozen=True)
class PassageContext:
    document: str
    path: str
    kind: str
    page: int | None
    heading: str | None
    text: str  # the passage with up to CONTEXT_CHARS of its document on each side
    start: int  # where the passage is in ``text``
    end: int
    clipped_before: bool
    clipped_after: bool


def passage_in_context(kb: KnowledgeBase, chunk_id: int, context_chars: int = CONTEXT_CHARS) -> PassageContext:
    found = kb.chunks([chunk_id])
    if not found:
        raise KnowledgeBaseError("This passage is no longer in the knowledge base (its document was re-indexed "
                                 "or removed). Ask the question again to see the current sources.")
    chunk = found[0]
    pieces = kb.document_chunks(chunk.document_id)
    length = max(c.end for c in pieces)
    text: list[str | None] = [None] * length
    for piece in pieces:  # passages overlap; each writes its exact characters at its own offsets
        text[piece.start : piece.end] = piece.text
    full = _fill_gaps(text)
    begin = max(0, chunk.start - context_chars)
    finish = min(length, chunk.end + context_chars)
    begin = _word_boundary(full, begin, forward=True) if begin else 0
    finish = _word_boundary(full, finish, forward=False) if finish < length else length
    return PassageContext(
        document=chunk.document_title, path=chunk.document_path, kind=chunk.kind, page=chunk.page,
        heading=chunk.heading, text=full[begin:finish], start=chunk.start - begin, end=chunk.end - begin,
        clipped_before=begin > 0, clipped_after=finish < length,
    )


def _fill_gaps(chars: list[str | None]) -> str:
    """Between passages lies only white space the chunker trimmed: a paragraph break if 2+ long, else a space."""
    out: list[str] = []
    i = 0
    while i < len(chars):
        if chars[i] is not None:
            out.append(chars[i])  # type: ignore[arg-type]
            i += 1
            continue
        j = i
        while j < len(chars) and chars[j] is None:
            j += 1
        out.append("\n" * (j - i) if j - i >= 2 else " ")
        i = j
    return "".join(out)


def _word_boundary(text: str, position: int, forward: bool) -> int:
    step = 1 if forward else -1
    limit = 80
    while 0 < position < len(text) and not text[position].isspace() and limit:
        position += step
        limit -= 1
    return position


@dataclass(frozen=True)
class PageImage:
    """An RGBA rendering of one PDF page and the rectangles (in its pixels) that hold the passage."""

    page: int  # 1-based
    page_count: int
    width: int
    height: int
    stride: int
    pixels: bytes
    highlights: tuple[tuple[float, float, float, float], ...]  # x, y, width, height


def render_pdf_page(path: Path, page: int, passage: str, scale: float = 1.6) -> PageImage:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    try:
        pdf = pdfium.PdfDocument(str(path))
    except (pdfium.PdfiumError, OSError) as exc:
        raise UnreadableFile(f"The page cannot be shown: “{Path(path).name}” could not be opened ({exc}). "
                             "The passage text is still shown.") from exc
    try:
        count = len(pdf)
        if not 1 <= page <= count:
            raise UnreadableFile(f"“{Path(path).name}” has no page {page} any more; it may have changed since it "
                                 "was indexed. Re-index it to update the sources.")
        pdf_page = pdf[page - 1]
        bitmap = pdf_page.render(scale=scale, force_bitmap_format=pdfium_c.FPDFBitmap_BGRA, rev_byteorder=True)
        height_pt = pdf_page.get_height()
        textpage = pdf_page.get_textpage()
        rects = tuple(
            ((left * scale), (height_pt - top) * scale, (right - left) * scale, (top - bottom) * scale)
            for left, bottom, right, top in _passage_rects(textpage, passage)
        )
        return PageImage(page, count, bitmap.width, bitmap.height, bitmap.stride, bytes(bitmap.buffer), rects)
    finally:
        pdf.close()


def _passage_rects(textpage: object, passage: str) -> list[tuple[float, float, float, float]]:
    """Rectangles covering the passage: from the first of its phrases found on the page to the last."""
    phrases = _phrases(passage)
    first: int | None = None
    last_end: int | None = None
    cursor = 0
    for phrase in phrases:
        searcher = textpage.search(phrase, index=cursor, match_case=False)  # type: ignore[attr-defined]
        hit = searcher.get_next()
        if hit is None:
            continue
        index, count = hit
        if first is None:
            first = index
        last_end = index + count
        cursor = last_end
    if first is None or last_end is None:
        return []
    rect_count = textpage.count_rects(first, last_end - first)  # type: ignore[attr-defined]
    return [textpage.get_rect(i) for i in range(rect_count)]  # type: ignore[attr-defined]


def _phrases(passage: str) -> list[str]:
    """Short runs of words from the passage, in order: short enough not to cross a line break often."""
    words = re.findall(r"\S+", passage)
    return [" ".join(words[i : i + _PHRASE_WORDS]) for i in range(0, len(words), _PHRASE_WORDS)
            if len(" ".join(words[i : i + _PHRASE_WORDS])) >= 8]
