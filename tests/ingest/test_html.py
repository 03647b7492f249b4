"""Web pages: visible text only, sections at headings, title from <title>."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from crossroads.errors import UnreadableFile
from crossroads.ingest import load_document

from .helpers import assert_offsets_index_text

PAGE = """<!DOCTYPE html>
<html><head><title>Support  Portal</title><style>body { color: red }</style>
<script>var tracking = "do not index";</script></head>
<body>
<nav><a href="/">Home</a> <a href="/faq">FAQ</a></nav>
<p>Intro   text
  across lines.</p>
<h1>Returns</h1>
<p>Items can be returned within <b>30 days</b>.<br>Keep the receipt.</p>
<ul><li>Unused items</li><li>Original box</li></ul>
<h2>Refunds &amp; credits</h2>
<table><tr><th>Method</th><th>Days</th></tr><tr><td>Card</td><td>5</td></tr></table>
<pre>Code   keeps
  its lines</pre>
<footer>Copyright 2024, all rights reserved</footer>
<script>console.log("still not")</script>
</body></html>"""


def test_headings_split_sections_and_boilerplate_is_dropped(write_text: Callable[..., Path]) -> None:
    document = load_document(write_text("support.html", PAGE))

    assert document.kind == "html"
    assert document.title == "Support Portal"
    assert [section.heading for section in document.sections] == [None, "Returns", "Refunds & credits"]
    assert document.sections[0].text == "Intro text across lines."
    assert document.sections[1].text == (
        "Returns\n\nItems can be returned within 30 days.\nKeep the receipt.\n\nUnused items\nOriginal box")
    assert document.sections[2].text == (
        "Refunds & credits\n\nMethod | Days\nCard | 5\n\nCode keeps\nits lines")
    for hidden in ("tracking", "still not", "Home", "Copyright", "color"):
        assert hidden not in document.text
    assert_offsets_index_text(document)


def test_the_title_falls_back_to_the_first_heading_then_the_name(write_text: Callable[..., Path]) -> None:
    assert load_document(write_text("a.html", "<h2>Opening hours</h2><p>9 to 5</p>")).title == "Opening hours"
    assert load_document(write_text("faq.htm", "<p>Just a paragraph.</p>")).title == "faq"


def test_the_declared_charset_is_honoured(write_text: Callable[..., Path]) -> None:
    page = '<html><head><meta charset="windows-1252"></head><p>Caf\u00e9 cr\u00e8me \u20ac3</p></html>'
    assert load_document(write_text("menu.html", page, "cp1252")).text == "Café crème €3"


def test_a_wrong_declared_charset_falls_back_to_the_bytes(write_text: Callable[..., Path]) -> None:
    page = '<meta charset="utf-8"><p>Gr\u00fc\u00dfe aus K\u00f6ln</p>'
    assert load_document(write_text("gruss.html", page, "cp1252")).text == "Grüße aus Köln"


def test_a_page_of_only_scripts_has_no_text(write_text: Callable[..., Path]) -> None:
    with pytest.raises(UnreadableFile, match=r"app\.html is empty"):
        load_document(write_text("app.html", "<html><body><script>render()</script></body></html>"))
