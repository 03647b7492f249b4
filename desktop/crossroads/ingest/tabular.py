"""Rows of a table as text a retriever can use on its own.

A price list row "Widget | 12.5 | EUR" means nothing once it is cut from its sheet; "Product: Widget; Price:
12.5; Currency: EUR" still does. So when the first row looks like column names, every row carries them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence

MAX_HEADER_CHARS = 80
_NUMBER = re.compile(r"^[-+(]?[$€£¥]?\s*\d[\d.,' ]*\s*[%$€£¥]?[)]?$|^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}$")


def format_cell(value: object) -> str:
    """A cell as a person reads it: 12.5 not 12.500000000001, a date without a midnight time."""
    if isinstance(value, str):
        return " ".join(value.split())
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        rounded = round(value, 9)
        return str(int(rounded)) if rounded.is_integer() and abs(rounded) < 1e15 else repr(rounded)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ", "minutes")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return " ".join(str(value).split())


def _is_label(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip()) and not _NUMBER.match(value.strip())


def _is_year(value: object) -> bool:
    text = str(value).strip() if isinstance(value, int | str) and not isinstance(value, bool) else ""
    return len(text) == 4 and text.isdigit() and 1900 <= int(text) <= 2100


def _year_column(column: int, body: Sequence[Sequence[object]]) -> bool:
    """A year in the first row names a column of figures ("Revenue | 2023 | 2024"), not a column of years."""
    values = [row[column] for row in body if column < len(row) and row[column] not in (None, "")]
    return bool(values) and not all(_is_year(value) for value in values)


def looks_like_header(first: Sequence[object], body: Sequence[Sequence[object]]) -> bool:
    """Distinct short labels (no numbers or dates) across most of the table's width, with rows beneath.

    Tables without a header row are the exception in business files, so only evidence against one
    (a number in the first row, a repeated or sentence-long label, a half-empty first row) rules it out.
    """
    labels = [value for value in first if value not in (None, "")]
    if not body or not any(_is_label(value) for value in labels):
        return False
    for column, value in enumerate(first):
        if value not in (None, "") and not _is_label(value) and not (
                _is_year(value) and _year_column(column, body)):
            return False
    texts = [str(value).strip() for value in labels]
    if len(set(texts)) != len(texts) or max(len(text) for text in texts) > MAX_HEADER_CHARS:
        return False
    width = max(_width(row) for row in body)
    return len(labels) * 2 >= width


def _width(row: Sequence[object]) -> int:
    """Columns up to the last filled cell."""
    filled = [column for column, value in enumerate(row) if value not in (None, "")]
    return filled[-1] + 1 if filled else 0


def render_rows(rows: Iterable[Sequence[object]], header: Sequence[object] | None = None) -> str:
    """One line per non-empty row: "Name: value; Name2: value" under a header, else " | "-joined cells.

    With ``header`` None, the first row is used as the header when it looks like one.
    """
    raw: list[Sequence[object]] = []
    table: list[list[str]] = []  # the same rows as text, trailing empty cells dropped
    for row in rows:
        cells = [format_cell(value) for value in row]
        while cells and not cells[-1]:
            cells.pop()
        if cells:
            raw.append(row)
            table.append(cells)
    lines = []
    if header is None:
        while len(table) > 1 and len(table[0]) == 1 and max(map(len, table[1:])) > 1:
            lines.append(table.pop(0)[0])  # a title above the table, not a column name
            raw.pop(0)
        if raw and looks_like_header(raw[0], raw[1:]):
            header, table = raw[0], table[1:]
    if header is None:
        return "\n".join([*lines, *(" | ".join(cells) for cells in table)])
    names = [format_cell(value) for value in header]
    for cells in table:
        parts = [f"{names[column]}: {cell}" if column < len(names) and names[column] else cell
                 for column, cell in enumerate(cells) if cell]
        lines.append("; ".join(parts))
    return "\n".join(lines)
