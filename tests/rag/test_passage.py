"""A cited passage shown in its document: the text around it, and the PDF page with the passage marked."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossroads.errors import KnowledgeBaseError, UnreadableFile
from crossroads.rag.passage import passage_in_context, render_pdf_page
from crossroads.store import KnowledgeBase

LONG_MD = "# Policy\n\n" + "\n\n".join(
    f"Rule {n}: the Zorbanian office on floor {n} opens at {7 + n % 3}:00 and closes when the last guest leaves."
    for n in range(1, 60)
)


@pytest.fixture
def kb(tmp_path: Path, embedder):  # type: ignore[no-untyped-def]
    from fpdf import FPDF

    (tmp_path / "policy.md").write_text(LONG_MD, encoding="utf-8")
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for text in ("Cover page of the handbook.", "Engineers receive a Vorpal X9 laptop on their first day. "
                 "The laptop must be returned when they leave the company."):
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    pdf.output(str(tmp_path / "handbook.pdf"))
    with KnowledgeBase.open(tmp_path / "kb", create=True) as base:
        base.add_paths([tmp_path / "policy.md", tmp_path / "handbook.pdf"], embedder, chunk_tokens=64,
                       chunk_overlap=16)
        yield base


def chunk_of(kb: KnowledgeBase, needle: str):  # type: ignore[no-untyped-def]
    row = kb._conn.execute("SELECT id FROM chunks WHERE text LIKE ? ORDER BY id", (f"%{needle}%",)).fetchone()
    return kb.chunks([row[0]])[0]


def test_the_context_holds_the_exact_passage_with_its_neighbours(kb: KnowledgeBase) -> None:
    chunk = chunk_of(kb, "Rule 30:")
    context = passage_in_context(kb, chunk.id, context_chars=300)
    assert context.text[context.start : context.end] == chunk.text
    assert context.start > 100 and len(context.text) - context.end > 100
    assert context.clipped_before and context.clipped_after
    assert context.text.strip() in LONG_MD  # rebuilt from the stored passages, word for word


def test_a_passage_at_the_start_is_not_marked_as_clipped(kb: KnowledgeBase) -> None:
    first = kb.document_chunks(chunk_of(kb, "Rule 1:").document_id)[0]
    context = passage_in_context(kb, first.id)
    assert context.start == 0 and not context.clipped_before


def test_a_pdf_passage_is_found_and_marked_on_its_page(kb: KnowledgeBase) -> None:
    chunk = chunk_of(kb, "Vorpal")
    image = render_pdf_page(Path(chunk.document_path), chunk.page, chunk.text)
    assert (image.page, image.page_count) == (2, 2)
    assert len(image.pixels) == image.stride * image.height and image.height > image.width
    assert image.highlights, "the passage's lines are located on the page"
    top = min(y for _x, y, _w, _h in image.highlights)
    assert top < image.height / 3, "the passage is at the top of its page"


def test_a_page_that_no_longer_exists_is_explained(kb: KnowledgeBase) -> None:
    chunk = chunk_of(kb, "Vorpal")
    with pytest.raises(UnreadableFile, match="no page 9"):
        render_pdf_page(Path(chunk.document_path), 9, chunk.text)


def test_a_removed_passage_is_explained(kb: KnowledgeBase, tmp_path: Path) -> None:
    chunk = chunk_of(kb, "Vorpal")
    kb.remove(tmp_path / "handbook.pdf")
    with pytest.raises(KnowledgeBaseError, match="no longer in the knowledge base"):
        passage_in_context(kb, chunk.id)
