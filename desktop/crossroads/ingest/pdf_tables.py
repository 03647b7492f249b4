"""Tables on a PDF page, found from where pdfium put the text, and read back as rows.

pdfium gives a table's text cell by cell in drawing order: a row whose first cell wraps onto two lines comes out
as "Other EU countries, Norway, Switzerland and the / UK / €58 €170", and a small model reading it took the row
above's €45. Spreadsheets are already read as "Destination: …; Daily allowance: €58; …" (``tabular.render_rows``);
this module gives PDF tables the same form, so a table reads the same whichever format it came in.

A table is a run of lines whose cells (pieces of text separated by a wide gap) start at the same few x positions,
at least three such lines with at least two shared columns. Bullet lists are not tables (their first "cell" is the
bullet). Lines of a wrapped first cell, and values centred beside them, are joined into their row. Anything less
clear is left as pdfium gave it: the page's other text is never changed.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from crossroads.ingest.normalize import one_line
from crossroads.ingest.tabular import render_rows

_MARKER = re.compile(r"^(?:[•●○◦▪▫‣⁃\-–—*·]|\(?\d{1,3}[.)]|\(?[a-zA-Z][.)])$")
_MIN_ROWS = 3  # lines with two or more cells, the header included
_MIN_COLUMNS = 2
_SHARED = 0.6  # a column start must be used by this share of the multi-cell lines
_X_TOLERANCE = 4.0  # points
_WRAP_GAP = 1.5  # a wrapped cell's next line sits closer than this many line heights; a new row, further


@dataclass(frozen=True)
class TextBox:
    """One run of text pdfium placed on the page (its rectangle in PDF points, y upwards)."""

    left: float
    bottom: float
    right: float
    top: float
    text: str

    @property
    def height(self) -> float:
        return max(0.1, self.top - self.bottom)


@dataclass
class _Line:
    boxes: list[TextBox]
    cells: list[TextBox] = field(default_factory=list)

    @property
    def top(self) -> float:
        return max(b.top for b in self.boxes)

    @property
    def bottom(self) -> float:
        return min(b.bottom for b in self.boxes)


@dataclass(frozen=True)
class Table:
    """A table found on the page: the boxes it is made of (in pdfium's order) and its text as rows."""

    boxes: tuple[TextBox, ...]
    text: str


def might_hold_table(rects: Sequence[tuple[float, float, float, float]]) -> bool:
    """A quick look at the rectangles alone (reading each box's text costs far more): are there at least
    ``_MIN_ROWS`` lines split by a wide gap, with a later piece starting at the same x on each of them?"""
    if len(rects) < _MIN_ROWS * _MIN_COLUMNS:
        return False
    lines = _lines([TextBox(*rect, text="") for rect in rects], split=False)
    starts: list[list[float]] = []
    for line in lines:
        ordered = sorted(line.boxes, key=lambda b: b.left)
        for before, box in itertools.pairwise(ordered):
            if box.left - before.right >= box.height:  # wider than any word space
                for group in starts:
                    if abs(group[0] - box.left) <= _X_TOLERANCE:
                        group.append(box.left)
                        break
                else:
                    starts.append([box.left])
    return any(len(group) >= _MIN_ROWS - 1 for group in starts)  # the header may be set apart


def find_tables(boxes: Sequence[TextBox]) -> list[Table]:
    """The tables among a page's text boxes, top to bottom."""
    boxes = [b for b in boxes if b.text.strip()]
    if len(boxes) < _MIN_ROWS * _MIN_COLUMNS:
        return []
    lines = _lines(boxes)
    tables = []
    start = 0
    while start < len(lines):
        found = _table_at(lines, start)
        if found is None:
            start += 1
            continue
        end, columns = found
        region = lines[start:end]
        rows = _rows(region, columns)
        members = {id(b) for line in region for b in line.boxes}
        tables.append(Table(tuple(b for b in boxes if id(b) in members), render_rows(rows)))
        start = end
    return tables


def _lines(boxes: Sequence[TextBox], split: bool = True) -> list[_Line]:
    """Boxes grouped into visual lines (they overlap vertically by half the smaller height), top to bottom;
    with ``split``, each line's boxes are also merged into its cells."""
    lines: list[_Line] = []
    for box in sorted(boxes, key=lambda b: -b.top):
        for line in lines[-3:]:
            overlap = min(line.top, box.top) - max(line.bottom, box.bottom)
            if overlap >= 0.5 * min(box.height, min(b.height for b in line.boxes)):
                line.boxes.append(box)
                break
        else:
            lines.append(_Line([box]))
    if split:
        for line in lines:
            line.cells = _cells(line.boxes)
    return lines


def _cells(boxes: list[TextBox]) -> list[TextBox]:
    """Boxes of one line merged where the gap is a word space, so each remaining piece is a cell."""
    ordered = sorted(boxes, key=lambda b: b.left)
    cells = [ordered[0]]
    for box in ordered[1:]:
        last = cells[-1]
        char = max(1.0, (last.right - last.left) / max(1, len(last.text.strip())))
        if box.left - last.right < 1.5 * char:
            cells[-1] = TextBox(last.left, min(last.bottom, box.bottom), box.right, max(last.top, box.top),
                                f"{last.text.rstrip()} {box.text.lstrip()}")
        else:
            cells.append(box)
    return cells


def _multi_cell(line: _Line) -> bool:
    return len(line.cells) >= _MIN_COLUMNS and not _MARKER.match(line.cells[0].text.strip())


def _table_at(lines: list[_Line], start: int) -> tuple[int, list[float]] | None:
    """If a table starts at ``lines[start]``: where it ends and its column starts."""
    if not _multi_cell(lines[start]):
        return None
    height = statistics.median(b.height for line in lines for b in line.boxes)
    multi: list[_Line] = []
    end = start
    while end < len(lines):
        line = lines[end]
        if end > start and lines[end - 1].bottom - line.top > 2.5 * height:
            break  # a wide vertical gap: whatever follows is not this table
        so_far = _columns(multi) if len(multi) >= 2 else [c.left for c in multi[0].cells] if multi else []
        if _multi_cell(line):
            if multi and len(_columns([*multi, line])) < _MIN_COLUMNS:
                break
            multi.append(line)
        elif len(line.cells) == 1:
            cell = line.cells[0]
            if not _aligned(cell, so_far):
                break  # prose: it starts elsewhere
            after = [x for x in so_far if x > cell.left + _X_TOLERANCE]
            if after and cell.right > after[0] - _X_TOLERANCE:
                break  # prose: it runs across the next column
        else:
            break
        end += 1
    while end > start + 1 and len(lines[end - 1].cells) == 1 and not _continues(lines[end - 1], lines[end - 2],
                                                                                 height):
        end -= 1  # a single line after the table is the text below it, not a wrapped cell
    multi = [line for line in lines[start:end] if _multi_cell(line)]
    columns = _columns(multi)
    if len(multi) < _MIN_ROWS or len(columns) < _MIN_COLUMNS:
        return None
    return end, columns


def _continues(line: _Line, previous: _Line, height: float) -> bool:
    return previous.bottom - line.top < _WRAP_GAP * height


def _columns(lines: list[_Line]) -> list[float]:
    """The x positions where cells start in at least ``_SHARED`` of the lines."""
    starts: list[list[float]] = []
    for line in lines:
        for cell in line.cells:
            for group in starts:
                if abs(group[0] - cell.left) <= _X_TOLERANCE:
                    group.append(cell.left)
                    break
            else:
                starts.append([cell.left])
    needed = max(2, _SHARED * len(lines))
    return sorted(statistics.fmean(g) for g in starts if len(g) >= needed)


def _aligned(cell: TextBox, columns: list[float]) -> bool:
    return any(abs(cell.left - x) <= _X_TOLERANCE for x in columns)


def _column_of(cell: TextBox, columns: list[float]) -> int:
    return min(range(len(columns)), key=lambda i: abs(columns[i] - cell.left))


def _rows(region: list[_Line], columns: list[float]) -> list[list[str]]:
    """Cells placed in rows, top to bottom.

    A cell *continues* its column in the row being built when it sits close under that column's last cell (a
    wrapped cell); it *fills* the row when that column is still empty there (values centred beside a wrapped cell).
    A line of one continuing cell, or of filling cells with the rest continuing, belongs to the row being built;
    any other line starts a new row - so in a tight table, where every line sits close under the one above, each
    full line is still its own row.
    """
    height = statistics.median(b.height for line in region for b in line.boxes)
    rows: list[list[str]] = []
    last: dict[int, TextBox] = {}  # the lowest cell seen in each column
    for line in region:
        placed = {_column_of(c, columns): c for c in line.cells}
        if rows:
            row = rows[-1]
            continues = {column for column, cell in placed.items() if row[column] and column in last
                         and last[column].bottom - cell.top < _WRAP_GAP * height}
            fills = {column for column in placed if not row[column]}
            if continues | fills == placed.keys() and (fills or len(placed) == 1):
                for column, cell in placed.items():
                    row[column] = f"{row[column]} {one_line(cell.text)}".strip()
                    last[column] = cell
                continue
        rows.append([""] * len(columns))
        for column, cell in placed.items():
            rows[-1][column] = one_line(cell.text)
            last[column] = cell
    return rows
