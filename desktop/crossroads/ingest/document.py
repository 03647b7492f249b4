"""What every loader produces: a document as a list of sections with their place in the source."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

SECTION_SEPARATOR = "\n\n"


@dataclass(frozen=True)
class Section:
    """A page of a PDF, a slide, a sheet, or a run of text under one heading.

    ``page`` is the 1-based physical page (PDF) or slide/sheet number where that applies, else None.
    ``heading`` is the nearest heading above the text (DOCX, Markdown, HTML), the sheet name, or None.
    """

    text: str
    page: int | None = None
    heading: str | None = None


@dataclass
class Document:
    """A readable document. ``text`` joins the sections; ``offsets[i]`` is where section i starts in it."""

    path: Path
    kind: str  # "pdf", "docx", "pptx", "xlsx", "csv", "html", "markdown", "text"
    title: str
    sections: list[Section]
    metadata: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(
        default_factory=list
    )  # readable, but a user should know (e.g. pages with no text)

    def __post_init__(self) -> None:
        self.sections = [s for s in self.sections if s.text.strip()]
        offsets: list[int] = []
        position = 0
        for section in self.sections:
            offsets.append(position)
            position += len(section.text) + len(SECTION_SEPARATOR)
        self.offsets = offsets
        self.text = SECTION_SEPARATOR.join(s.text for s in self.sections)

    @property
    def page_count(self) -> int | None:
        pages = {s.page for s in self.sections if s.page is not None}
        return max(pages) if pages else None
