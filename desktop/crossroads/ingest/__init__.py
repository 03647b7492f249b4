"""Reading a user's files into Documents: one loader per format, chosen by content as well as by name.

Importing this package is cheap; each parser library is imported when the first file of its kind is read.
"""

from __future__ import annotations

from crossroads.ingest.detect import SUPPORTED_SUFFIXES, detect_kind
from crossroads.ingest.document import Document, Section
from crossroads.ingest.files import iter_supported_files
from crossroads.ingest.load import MAX_FILE_BYTES, load_document

__all__ = [
    "MAX_FILE_BYTES",
    "SUPPORTED_SUFFIXES",
    "Document",
    "Section",
    "detect_kind",
    "iter_supported_files",
    "load_document",
]
