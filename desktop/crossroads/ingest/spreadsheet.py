"""Excel workbooks (openpyxl) and CSV files (the csv module), rendered row by row through ``tabular``.

Workbooks open read-only with cached values (data_only): formulas mean nothing to a reader, their results do.
"""

from __future__ import annotations

import csv
import io
import warnings
from pathlib import Path

from crossroads.ingest.document import Document, Section
from crossroads.ingest.normalize import one_line
from crossroads.ingest.tabular import render_rows
from crossroads.ingest.textcodec import read_text

_SNIFF_CHARS = 8192  # the Sniffer slows down with the square of its sample: 64 KB takes 1.5 s
_DELIMITERS = ",;\t|"


def load_xlsx(path: Path) -> Document:
    from openpyxl import load_workbook

    with warnings.catch_warnings(), path.open("rb") as handle:  # a handle: openpyxl refuses odd file names
        # openpyxl warns about features it skips (data validation, default styles); the text is unaffected
        warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
        workbook = load_workbook(handle, read_only=True, data_only=True)
        try:
            sections = [
                Section(text=render_rows(sheet.iter_rows(values_only=True)), page=number,
                        heading=sheet.title)
                for number, sheet in enumerate(workbook.worksheets, 1)
            ]
            title = one_line(workbook.properties.title or "") or path.stem
        finally:
            workbook.close()
    metadata = {"sheets": str(len(sections))}
    return Document(path=path, kind="xlsx", title=title, sections=sections, metadata=metadata)


def load_csv(path: Path) -> Document:
    text = read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""), dialect=_dialect(text, path))
    return Document(path=path, kind="csv", title=path.stem, sections=[Section(text=render_rows(reader))])


def _dialect(text: str, path: Path) -> type[csv.Dialect] | csv.Dialect:
    """The file's own delimiter and quoting; comma (tab for .tsv) when the sample is too plain to tell."""
    fallback = csv.excel_tab if path.suffix.lower() == ".tsv" else csv.excel
    sample = text[:_SNIFF_CHARS]
    if len(text) > _SNIFF_CHARS:
        sample = sample[: sample.rfind("\n") + 1] or sample
    try:
        return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS)
    except csv.Error:
        return fallback
