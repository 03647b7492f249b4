"""Which loader fits a file, decided from its content as well as its name.

Files get renamed, mailed with the wrong extension, or saved by tools that pick odd names; trusting the
extension alone would send a Word file to the PDF parser and give the user a baffling error.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

SUFFIX_KINDS: dict[str, str] = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".pptx": "pptx",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".csv": "csv",
    ".tsv": "csv",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".mdown": "markdown",
    ".txt": "text",
    ".text": "text",
}

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(SUFFIX_KINDS)

BINARY_KINDS = frozenset({"pdf", "docx", "pptx", "xlsx"})
"""Kinds that have a signature of their own; a file claiming one of them must show it."""

TEXT_KINDS = frozenset(SUFFIX_KINDS.values()) - BINARY_KINDS

HEAD_BYTES = 8192

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_OOXML_FOLDERS = (("word/", "docx"), ("ppt/", "pptx"), ("xl/", "xlsx"))
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])", re.IGNORECASE | re.DOTALL)
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")


def read_head(path: Path, size: int = HEAD_BYTES) -> bytes:
    """The first bytes of a file: enough for every signature we look for."""
    with path.open("rb") as handle:
        return handle.read(size)


def is_ole(head: bytes) -> bool:
    """OLE2 compound file: an old Office format (.doc/.xls/.ppt) or a password-protected .docx/.xlsx/.pptx."""
    return head.startswith(_OLE_MAGIC)


def looks_like_text(head: bytes) -> bool:
    """No NUL bytes (unless UTF-16/32 text) and hardly any control bytes: what binary data never manages."""
    if not head:
        return True
    if head.startswith(_BOMS) or _looks_like_utf16(head):
        return True
    if b"\x00" in head:
        return False
    return len(_CONTROL_BYTES.findall(head)) <= len(head) // 100


def _looks_like_utf16(head: bytes) -> bool:
    """UTF-16 text without a byte-order mark: every other byte is NUL for Latin script."""
    if len(head) < 4:
        return False
    half = len(head) // 2
    nul_odd, nul_even = head[1::2].count(0), head[0::2].count(0)
    return max(nul_odd, nul_even) >= 0.8 * half and min(nul_odd, nul_even) == 0


def zip_members(path: Path) -> list[str] | None:
    """The names inside a zip, or None when the zip is too damaged to list."""
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return None  # NotImplementedError: a (damaged) entry claims a newer zip version than Python reads


def ooxml_kind(names: list[str]) -> str | None:
    """docx/pptx/xlsx from the zip's own folders (word/, ppt/, xl/); None for any other zip."""
    for folder, kind in _OOXML_FOLDERS:
        if any(name.startswith(folder) for name in names):
            return kind
    return None


def detect_kind(path: Path) -> str | None:
    """The loader kind for this file, or None when nothing here can read it.

    A signature in the content (PDF header, Office zip folders, an HTML start tag) wins over the name;
    text content takes its kind from the extension (no extension reads as plain text); a file whose name
    promises PDF/Office but whose content does not show it gets None. A damaged zip named .docx/.pptx/.xlsx
    keeps its kind, so its loader can say it is damaged.
    """
    path = Path(path)
    try:
        head = read_head(path)
    except OSError:
        return None
    return kind_from_head(path, head)


def kind_from_head(path: Path, head: bytes) -> str | None:
    """detect_kind for callers that have already read the head of the file."""
    by_name = SUFFIX_KINDS.get(path.suffix.lower())
    if head.lstrip().startswith(b"%PDF-"):
        return "pdf"
    if b"%PDF-" in head[:1024] and by_name not in TEXT_KINDS:  # readers allow junk before the header
        return "pdf"
    if head.startswith(_ZIP_MAGIC):
        names = zip_members(path)
        if names is None:  # a damaged Office file keeps its kind so that its loader can say so
            return by_name if by_name in BINARY_KINDS - {"pdf"} else None
        return ooxml_kind(names)
    if not looks_like_text(head):
        return None
    if by_name in BINARY_KINDS:
        return None
    if by_name is not None:
        return by_name
    if _HTML_START.match(head):
        return "html"
    return "text" if path.suffix == "" else None
