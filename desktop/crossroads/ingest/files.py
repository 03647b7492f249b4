"""Which files a drop of files and folders means: folders expanded, clutter left out, order stable.

Files named one by one are always yielded, supported or not, so that the user gets a reason for each
("not a kind of document Crossroads can read") instead of silence. Inside folders only what looks
readable is yielded: a client's share holds images, archives and lock files nobody meant to add.
"""

from __future__ import annotations

import logging
import os
import stat
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from crossroads.ingest.detect import SUPPORTED_SUFFIXES, detect_kind

log = logging.getLogger(__name__)

TEMP_PREFIXES = ("~$", "~", ".")
TEMP_SUFFIXES = frozenset({".tmp", ".temp", ".part", ".crdownload", ".partial", ".swp", ".bak"})
_HIDDEN_ATTRIBUTE = stat.FILE_ATTRIBUTE_HIDDEN if sys.platform == "win32" else 0


def is_clutter(path: Path) -> bool:
    """Hidden entries, Office lock files (~$x.docx), editor backups (x~) and partial downloads."""
    name = path.name
    if name.startswith(TEMP_PREFIXES) or name.endswith("~") or path.suffix.lower() in TEMP_SUFFIXES:
        return True
    if _HIDDEN_ATTRIBUTE:  # Windows marks hidden files with an attribute rather than a dot
        try:
            return bool(getattr(path.lstat(), "st_file_attributes", 0) & _HIDDEN_ATTRIBUTE)
        except OSError:
            return True
    return False


def looks_supported(path: Path) -> bool:
    """A supported extension, or content that one of the loaders recognises."""
    return path.suffix.lower() in SUPPORTED_SUFFIXES or detect_kind(path) is not None


def _sort_key(path: Path) -> tuple[str, str]:
    return (path.name.casefold(), path.name)


def _walk(folder: Path, seen_folders: set[str]) -> Iterator[Path]:
    """Depth-first, sorted by name; each real folder visited once, so symlink loops end."""
    real = os.path.realpath(folder)
    if real in seen_folders:
        return
    seen_folders.add(real)
    try:
        entries = sorted(folder.iterdir(), key=_sort_key)
    except OSError as exc:
        log.warning("cannot list folder %s: %s", folder.name, exc)
        return
    for entry in entries:
        if is_clutter(entry):
            continue
        if entry.is_dir():
            yield from _walk(entry, seen_folders)
        elif entry.is_file() and looks_supported(entry):
            yield entry


def iter_supported_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Every file the given paths stand for, each once, in the given order with folders expanded."""
    seen_files: set[str] = set()
    seen_folders: set[str] = set()
    for given in paths:
        given = Path(given)
        found = _walk(given, seen_folders) if given.is_dir() else iter([given])
        for path in found:
            key = os.path.realpath(path)
            if key not in seen_files:
                seen_files.add(key)
                yield path
