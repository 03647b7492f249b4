"""Word documents through python-docx: sections split at headings, tables kept in reading order.

Word has no pages in the file (they exist only once laid out), so sections carry the nearest heading
instead: "under 'Payment terms'" is what a user needs to find the passage.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from crossroads.ingest.document import Document, Section
from crossroads.ingest.normalize import one_line, tidy

if TYPE_CHECKING:
    from docx.table import Table


def _is_heading(style_name: str) -> bool:
    name = style_name.lower()
    return name == "title" or (name.startswith("heading") and name[7:].strip().isdigit())


def table_text(table: Table) -> str:
    """Each row's cells joined with " | "; a merged cell appears once, not once per column it spans."""
    lines = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # merged cells come back as the same <w:tc> element
                continue
            seen.add(id(cell._tc))
            cells.append(one_line(cell.text))
        while cells and not cells[-1]:
            cells.pop()
        if any(cells):
            lines.append(" | ".join(cells))
    return "\n".join(lines)


def load(path: Path) -> Document:
    import docx
    from docx.table import Table

    document = docx.Document(str(path))
    # paragraph.style looks the style up anew each time (2 s for 3,000 paragraphs); one dict is instant
    style_names = {style.style_id: style.name or "" for style in document.styles}

    sections: list[Section] = []
    heading: str | None = None
    first_heading: str | None = None
    blocks: list[str] = []

    def flush() -> None:
        text = tidy("\n\n".join(blocks))
        if text:
            sections.append(Section(text=text, heading=heading))

    for block in document.iter_inner_content():
        if isinstance(block, Table):
            blocks.append(table_text(block))
            continue
        text = block.text.strip()
        if not text:
            continue
        if _is_heading(style_names.get(block._p.style or "", "")):
            flush()
            heading, blocks = one_line(text), []
            first_heading = first_heading or heading
        blocks.append(text)
    flush()

    title = one_line(document.core_properties.title or "") or first_heading or path.stem
    return Document(path=path, kind="docx", title=title, sections=sections)

