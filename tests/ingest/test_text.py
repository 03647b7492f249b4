"""Plain text in whatever encoding Windows or a Mac saved it, split into sections of whole paragraphs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from crossroads.ingest import load_document
from crossroads.ingest.text import SECTION_CHARS

from .helpers import assert_offsets_index_text

WESTERN = "Café prices — “special” offer: 5 € each.\nNaïve façade, œuvre, déjà vu.\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252"])
def test_common_encodings_are_read_correctly(write_text: Callable[..., Path], encoding: str) -> None:
    document = load_document(write_text(f"offer-{encoding}.txt", WESTERN, encoding))
    assert document.text == WESTERN.strip()
    assert document.kind == "text"


def test_latin1_text_is_read_correctly(write_text: Callable[..., Path]) -> None:
    text = "Grüße aus Köln. Über die Straße, ½ Preis. Ça va très bien."
    assert load_document(write_text("gruss.txt", text, "latin-1")).text == text


def test_windows_line_endings_become_plain_newlines(write_text: Callable[..., Path]) -> None:
    document = load_document(write_text("crlf.txt", "one\r\ntwo\r\n\r\nthree\rfour"))
    assert document.text == "one\ntwo\n\nthree\nfour"


def test_paragraphs_group_into_sections_without_being_cut(write_text: Callable[..., Path]) -> None:
    paragraph = ("This paragraph is about one topic and stays whole. " * 10).strip()
    count = 3 * SECTION_CHARS // len(paragraph)
    document = load_document(write_text("long.txt", "\n\n".join([paragraph] * count)))

    assert len(document.sections) >= 3
    for section in document.sections:
        assert len(section.text) <= SECTION_CHARS
        assert section.page is None and section.heading is None
        assert all(part == paragraph for part in section.text.split("\n\n"))
    assert document.title == "long"
    assert_offsets_index_text(document)


def test_the_encoding_is_judged_where_the_first_non_ascii_letter_is(write_text: Callable[..., Path]) -> None:
    late = "Résumé of the café meeting, 5 € each."
    text = "Plain ASCII preamble line.\n" * 5000 + late
    assert load_document(write_text("minutes.txt", text, "cp1252")).text.endswith(late)
