"""Makers of real documents for the ingest tests: each writes a genuine file with the format's own library."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from .helpers import write_pdf


@pytest.fixture
def make_pdf(tmp_path: Path) -> Callable[..., Path]:
    def make(name: str, pages: Sequence[str | None], **options: str) -> Path:
        return write_pdf(tmp_path / name, pages, **options)

    return make


@pytest.fixture
def make_docx(tmp_path: Path) -> Callable[..., Path]:
    """A Word file from (style, text) blocks; style "h1".."h3", "title", "p", or "table" with rows as text."""

    def make(name: str, blocks: Sequence[tuple[str, object]], title: str | None = None) -> Path:
        import docx

        document = docx.Document()
        for style, content in blocks:
            if style == "title":
                document.add_heading(str(content), level=0)
            elif style.startswith("h"):
                document.add_heading(str(content), level=int(style[1:]))
            elif style == "table":
                rows = list(content)  # type: ignore[call-overload]
                table = document.add_table(rows=len(rows), cols=len(rows[0]))
                for row, values in zip(table.rows, rows, strict=True):
                    for cell, value in zip(row.cells, values, strict=True):
                        cell.text = value
            else:
                document.add_paragraph(str(content))
        document.core_properties.title = title or ""
        path = tmp_path / name
        document.save(str(path))
        return path

    return make


@pytest.fixture
def write_text(tmp_path: Path) -> Callable[[str, str, str], Path]:
    def write(name: str, text: str, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return write
