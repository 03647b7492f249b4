"""Plain text: decoded whatever its encoding, cut into sections of whole paragraphs.

Plain text has no pages or headings; sections of a few thousand characters give the chunker natural
paragraph boundaries to respect without one giant section per file.
"""

from __future__ import annotations

import re
from pathlib import Path

from crossroads.ingest.document import Document, Section
from crossroads.ingest.normalize import tidy
from crossroads.ingest.textcodec import read_text

SECTION_CHARS = 4000
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


def paragraph_sections(text: str, limit: int = SECTION_CHARS) -> list[Section]:
    """Consecutive paragraphs grouped up to ``limit`` characters; a longer paragraph stays whole."""
    sections: list[Section] = []
    group: list[str] = []
    size = 0
    for paragraph in _PARAGRAPH_BREAK.split(text):
        paragraph = paragraph.strip("\n")
        if not paragraph.strip():
            continue
        if group and size + len(paragraph) > limit:
            sections.append(Section(text="\n\n".join(group)))
            group, size = [], 0
        group.append(paragraph)
        size += len(paragraph) + 2
    if group:
        sections.append(Section(text="\n\n".join(group)))
    return sections


def load(path: Path) -> Document:
    text = tidy(read_text(path))
    return Document(path=path, kind="text", title=path.stem, sections=paragraph_sections(text))
