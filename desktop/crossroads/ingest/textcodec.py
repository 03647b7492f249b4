"""Bytes to text for the text-based formats (plain text, Markdown, CSV, HTML).

Clients' files come from every era of Windows: UTF-8, UTF-16 from Notepad, cp1252 from old Office exports.
charset-normalizer guesses well but prefers Central European cp1250 on Western text, so cp1252 wins a tie.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from crossroads.errors import UnreadableFile
from crossroads.ingest import messages
from crossroads.ingest.detect import looks_like_text

SAMPLE_BYTES = 64 * 1024

_BOM_CODECS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_WIDE_CODECS = ["utf_16", "utf_16_be", "utf_16_le", "utf_32", "utf_32_be", "utf_32_le"]
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")


def guess_encoding(data: bytes) -> str | None:
    """The codec that reads these bytes as text, or None when they are not text at all."""
    for bom, codec in _BOM_CODECS:
        if data.startswith(bom):
            return codec
    sample = data[:SAMPLE_BYTES]
    if b"\x00" in sample:
        if not looks_like_text(sample):
            return None
        return "utf-16-le" if sample[1::2].count(0) > sample[0::2].count(0) else "utf-16-be"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:  # judge by the bytes around the first misfit, not an ASCII preamble
        start = max(0, exc.start - SAMPLE_BYTES // 2)
        return _guess_legacy(data[start:start + SAMPLE_BYTES])
    return "utf-8"


def _guess_legacy(sample: bytes) -> str | None:
    from charset_normalizer import from_bytes

    matches = from_bytes(sample, cp_exclusion=_WIDE_CODECS)
    best = matches.best()
    if best is None:
        return None
    for match in matches:
        if ("cp1252" in match.could_be_from_charset and match.chaos <= best.chaos + 0.02
                and match.coherence >= best.coherence - 0.05):
            return "cp1252"
    return best.encoding


def decode_text(data: bytes, path: Path, encoding: str | None = None) -> str:
    """Text with plain newlines, or UnreadableFile when the bytes are binary data, not text."""
    codec = encoding or guess_encoding(data)
    if codec is None:
        raise UnreadableFile(messages.binary(path))
    try:
        text = data.decode(codec, errors="replace")
    except LookupError:  # a codec named inside the file (e.g. an HTML meta tag) that Python lacks
        return decode_text(data, path)
    sample = text[:SAMPLE_BYTES]
    if len(_CONTROL_CHARS.findall(sample)) > len(sample) // 100:
        raise UnreadableFile(messages.binary(path))
    text = text.removeprefix("\ufeff").replace("\x00", "")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_text(path: Path) -> str:
    """The whole file as text; see decode_text."""
    return decode_text(path.read_bytes(), path)
