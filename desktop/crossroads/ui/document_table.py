"""The library's table: one row per document, with what indexing is doing to it right now."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush

from crossroads.store.knowledge_base import path_key
from crossroads.store.records import DocumentRecord, IndexEvent
from crossroads.ui import theme

COLUMNS = ("Document", "Type", "Pages", "Chunks", "State")
_STATE_TEXT = {
    "queued": "queued",
    "reading": "reading…",
    "embedding": "embedding…",
    "indexed": "indexed",
    "skipped": "indexed (unchanged)",
    "failed": "failed",
    "removed": "removed",
}
_KIND_TEXT = {"pdf": "PDF", "docx": "DOCX", "pptx": "PPTX", "xlsx": "XLSX", "csv": "CSV",
              "html": "HTML", "markdown": "MD", "text": "TXT"}

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Row:
    key: str
    name: str
    kind: str
    pages: int | None
    chunks: int | None
    state: str
    reason: str = ""


def _row(doc: DocumentRecord) -> Row:
    return Row(path_key(Path(doc.path)), doc.title or Path(doc.path).name, doc.kind, doc.pages, doc.chunks,
               doc.state, doc.error or "; ".join(doc.warnings))


class DocumentTableModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self._rows: list[Row] = []

    # -- filling ----------------------------------------------------------------------------------------------

    def set_documents(self, documents: list[DocumentRecord]) -> None:
        """The knowledge base's truth; rows still queued or in progress in a running job are kept."""
        live = {r.key: r for r in self._rows if r.state in ("queued", "reading", "embedding")}
        rows = [_row(d) for d in documents]
        known = {r.key for r in rows}
        rows += [r for k, r in live.items() if k not in known]
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def apply(self, event: IndexEvent) -> None:
        """Show one indexing step in the row it concerns."""
        if event.kind == "embedding" and event.path is None:
            if event.done == 0:  # the files read so far are embedded together, as one batch
                self._mark_read_files_embedding()
            return
        if event.path is None or event.kind not in _STATE_TEXT:
            return
        key = path_key(event.path)
        for i, row in enumerate(self._rows):
            if row.key == key:
                changed = replace(row, state=event.kind, reason=event.message if event.kind == "failed" else "")
                if event.kind == "indexed" and event.chunks:
                    changed = replace(changed, chunks=event.chunks)
                self._rows[i] = changed
                self.dataChanged.emit(self.index(i, 0), self.index(i, len(COLUMNS) - 1))
                return
        if event.kind == "removed":
            return
        self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows))
        self._rows.append(Row(key, event.path.name, "", None, event.chunks or None, event.kind,
                              event.message if event.kind == "failed" else ""))
        self.endInsertRows()

    def _mark_read_files_embedding(self) -> None:
        for i, row in enumerate(self._rows):
            if row.state == "reading":
                self._rows[i] = replace(row, state="embedding")
                self.dataChanged.emit(self.index(i, 0), self.index(i, len(COLUMNS) - 1))

    def row_at(self, row: int) -> Row:
        return self._rows[row]

    def rows(self) -> list[Row]:
        return list(self._rows)

    # -- Qt model ---------------------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return row.name
            if column == 1:
                return _KIND_TEXT.get(row.kind, row.kind.upper())
            if column == 2:
                return "" if row.pages is None else str(row.pages)
            if column == 3:
                return "" if row.chunks is None else str(row.chunks)
            text = _STATE_TEXT.get(row.state, row.state)
            return f"{text}: {row.reason}" if row.state == "failed" and row.reason else text
        if role == Qt.ItemDataRole.ToolTipRole:
            if row.state == "failed":
                return f"{row.name} could not be indexed.\n{row.reason}"
            return f"{row.key}\n{row.reason}" if row.reason else row.key
        if role == Qt.ItemDataRole.ForegroundRole and column == 4:
            colors = theme.colors()
            if row.state == "failed":
                return QBrush(colors.bad)
            if row.state in ("indexed", "skipped"):
                return QBrush(colors.good)
            return QBrush(colors.muted_text)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (2, 3):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
