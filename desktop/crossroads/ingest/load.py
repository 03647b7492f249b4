"""One entry point that reads any supported file, and turns every way a file can fail into plain words.

The checks a user's file can fail (missing, a folder, too big, empty, binary, password, damaged) happen here
or in the loaders; anything a parser library throws on a damaged file becomes "looks damaged", so one bad
file never stops a folder from loading.
"""

from __future__ import annotations

import importlib
import logging
import stat
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from crossroads.errors import CrossroadsError, UnreadableFile
from crossroads.ingest import messages
from crossroads.ingest.detect import (
    BINARY_KINDS,
    SUFFIX_KINDS,
    TEXT_KINDS,
    is_ole,
    kind_from_head,
    read_head,
)
from crossroads.ingest.document import Document, Section
from crossroads.ingest.ziplimits import check_zip

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 200 * 1024 * 1024
"""Larger files are refused: past this they are archives or data dumps, not documents to ask about."""

MAX_DOCUMENT_CHARS = 2_000_000
"""Text kept from one file: about 1,000 pages, the longest manuals and contracts. The rest is left out with a
warning rather than the file refused, since its beginning is still worth asking about. At the measured indexing
speed (13 chunks/s of ~200 tokens on two cores, README) 2 million characters take about 3 minutes; the 200 MB of
text a small zip or a log dump can hold would take hours and hold up every file after it."""

_LOADERS: dict[str, tuple[str, str]] = {
    "pdf": ("crossroads.ingest.pdf", "load"),
    "docx": ("crossroads.ingest.docx", "load"),
    "pptx": ("crossroads.ingest.pptx", "load"),
    "xlsx": ("crossroads.ingest.spreadsheet", "load_xlsx"),
    "csv": ("crossroads.ingest.spreadsheet", "load_csv"),
    "html": ("crossroads.ingest.html", "load"),
    "markdown": ("crossroads.ingest.markdown", "load"),
    "text": ("crossroads.ingest.text", "load"),
}
_OFFICE_KINDS = BINARY_KINDS - {"pdf"}


def loader_for(kind: str) -> Callable[[Path], Document]:
    """The loader function of a kind, imported only now: each pulls in its own parser library."""
    module_name, function_name = _LOADERS[kind]
    return getattr(importlib.import_module(module_name), function_name)


def load_document(path: Path) -> Document:
    """Read one file into a Document, or raise UnreadableFile saying why in words a user understands."""
    path = Path(path)
    head = _open_head(path)
    kind = kind_from_head(path, head)
    if kind is None:
        raise UnreadableFile(_why_no_kind(path, head))
    try:
        if kind in _OFFICE_KINDS:
            check_zip(path, kind)
        document = loader_for(kind)(path)
    except (CrossroadsError, ImportError, MemoryError):
        raise
    except FileNotFoundError as exc:  # moved or deleted while being read
        raise UnreadableFile(messages.missing(path)) from exc
    except OSError as exc:
        raise UnreadableFile(messages.not_readable(path, exc.strerror or "the system refused")) from exc
    except Exception as exc:  # a parser library tripping over a damaged file; kept in the log for support
        log.warning("could not parse %s as %s", path.name, kind, exc_info=True)
        raise UnreadableFile(messages.damaged(path, kind)) from exc
    if not document.sections:
        raise UnreadableFile(messages.empty(path) if kind in TEXT_KINDS else messages.no_text(path))
    return cap_text(document, MAX_DOCUMENT_CHARS)


def cap_text(document: Document, limit: int) -> Document:
    """The document cut to its first ``limit`` characters (whole sections, then part of one), with a warning."""
    total = sum(len(s.text) for s in document.sections)
    if total <= limit:
        return document
    kept: list[Section] = []
    room = limit
    for section in document.sections:
        if room <= 0:
            break
        kept.append(section if len(section.text) <= room else replace(section, text=section.text[:room]))
        room -= len(section.text)
    warnings = [*document.warnings, messages.text_cut(document.path, limit, total)]
    return Document(path=document.path, kind=document.kind, title=document.title, sections=kept,
                    metadata=dict(document.metadata), warnings=warnings)


def _open_head(path: Path) -> bytes:
    """The first bytes, after the checks that need no parsing: exists, is a file, not too big, not empty."""
    try:
        info = path.stat()
    except FileNotFoundError as exc:
        raise UnreadableFile(messages.missing(path)) from exc
    except OSError as exc:
        raise UnreadableFile(messages.not_readable(path, exc.strerror or "the system refused")) from exc
    if stat.S_ISDIR(info.st_mode):
        raise UnreadableFile(messages.is_folder(path))
    if info.st_size > MAX_FILE_BYTES:
        raise UnreadableFile(messages.too_large(path, info.st_size, MAX_FILE_BYTES))
    if info.st_size == 0:
        raise UnreadableFile(messages.empty(path))
    try:
        return read_head(path)
    except FileNotFoundError as exc:
        raise UnreadableFile(messages.missing(path)) from exc
    except PermissionError as exc:
        raise UnreadableFile(messages.not_readable(path, "permission denied")) from exc
    except OSError as exc:
        raise UnreadableFile(messages.not_readable(path, exc.strerror or "the system refused")) from exc


def _why_no_kind(path: Path, head: bytes) -> str:
    claimed = SUFFIX_KINDS.get(path.suffix.lower())
    if is_ole(head) and claimed in _OFFICE_KINDS:
        return messages.password_protected(path, claimed)  # Office wraps encrypted files in an OLE container
    if claimed in BINARY_KINDS:
        return messages.not_really(path, claimed)
    if claimed is not None:
        return messages.binary(path)
    return messages.unsupported(path)
