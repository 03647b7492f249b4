"""PowerPoint through python-pptx: one Section per slide, titled by the slide, with its speaker notes.

Speaker notes often hold the real explanation behind a terse slide, so they are part of the slide's text.
Shapes are read top to bottom, left to right: the order a person reads a slide in, not the z-order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from crossroads.ingest.document import Document, Section
from crossroads.ingest.normalize import one_line, tidy

if TYPE_CHECKING:
    from pptx.shapes.base import BaseShape
    from pptx.slide import Slide


def _reading_order(shapes: Iterable[BaseShape]) -> list[BaseShape]:
    return sorted(shapes, key=lambda shape: (shape.top or 0, shape.left or 0))


def _shape_texts(shapes: Iterable[BaseShape]) -> Iterator[str]:
    for shape in _reading_order(shapes):
        if getattr(shape, "shapes", None) is not None:  # a group: its members, in their own order
            yield from _shape_texts(shape.shapes)
        elif getattr(shape, "has_table", False) and shape.has_table:
            rows = (" | ".join(one_line(cell.text) for cell in row.cells) for row in shape.table.rows)
            yield "\n".join(row for row in rows if row.strip(" |"))
        elif getattr(shape, "has_text_frame", False) and shape.has_text_frame:
            yield shape.text_frame.text


def slide_text(slide: Slide) -> tuple[str | None, str]:
    """The slide's title (None when it has none) and its text: title, body shapes, then notes."""
    title_shape = slide.shapes.title
    title = one_line(title_shape.text_frame.text) if title_shape is not None else ""
    title_id = title_shape.shape_id if title_shape is not None else None
    others = [shape for shape in slide.shapes if shape.shape_id != title_id]
    blocks = [title, *_shape_texts(others)]
    if slide.has_notes_slide:
        notes_frame = slide.notes_slide.notes_text_frame
        notes = notes_frame.text.strip() if notes_frame is not None else ""
        if notes:
            blocks.append(f"Notes: {notes}")
    return title or None, tidy("\n\n".join(block.strip() for block in blocks if block.strip()))


def load(path: Path) -> Document:
    from pptx import Presentation

    presentation = Presentation(str(path))
    sections = []
    for number, slide in enumerate(presentation.slides, 1):
        title, text = slide_text(slide)
        sections.append(Section(text=text, page=number, heading=title))
    first_title = next((section.heading for section in sections if section.heading), None)
    title = one_line(presentation.core_properties.title or "") or first_title or path.stem
    metadata = {"slides": str(len(presentation.slides))}
    return Document(path=path, kind="pptx", title=title, sections=sections, metadata=metadata)
