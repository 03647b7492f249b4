"""The ingest package's promises to the rest of the app: its public names, and that importing it is cheap."""

from __future__ import annotations

import subprocess
import sys

import crossroads.ingest as ingest

PARSERS = ("pypdfium2", "docx", "pptx", "openpyxl", "selectolax", "markdown_it", "charset_normalizer", "fpdf")


def test_the_public_api_is_exported() -> None:
    for name in ("SUPPORTED_SUFFIXES", "detect_kind", "load_document", "iter_supported_files"):
        assert name in ingest.__all__
    assert isinstance(ingest.SUPPORTED_SUFFIXES, frozenset)


def test_importing_ingest_loads_no_parser_library() -> None:
    """The CLI's --help and the window must appear at once; parsers load with the first file of their kind."""
    probe = f"import sys, crossroads.ingest; print([m for m in {PARSERS!r} if m in sys.modules])"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
