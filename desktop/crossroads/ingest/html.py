"""Web pages through selectolax (lexbor): visible text only, split into sections at h1-h6.

Scripts, styles, navigation and footers are dropped: they repeat on every page of a saved site and would
crowd the real content out of search results.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from crossroads.ingest.document import Document, Section
from crossroads.ingest.normalize import collapse, one_line
from crossroads.ingest.textcodec import decode_text

if TYPE_CHECKING:
    from selectolax.lexbor import LexborNode

DROPPED = frozenset({"script", "style", "nav", "footer", "noscript", "template", "svg", "head", "iframe",
                     "object", "select", "button"})
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_PARAGRAPHS = frozenset({"p", "div", "section", "article", "main", "header", "aside", "blockquote", "pre",
                         "table", "ul", "ol", "dl", "figure", "figcaption", "form", "fieldset", "address",
                         "details", "summary", "hr"})
_LINES = frozenset({"li", "tr", "dt", "dd", "caption", "option"})
_CELLS = frozenset({"td", "th"})
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")
_WEB_LABELS = {"iso-8859-1": "cp1252", "latin1": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252"}
"""Browsers read these labels as windows-1252 (WHATWG Encoding), and so do pages written for them."""


def _encoding(data: bytes) -> str | None:
    """The charset the page declares in a <meta> tag, if the bytes agree with it; a byte-order mark wins."""
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return None
    found = _META_CHARSET.search(data[:4096])
    if not found:
        return None
    codec = found.group(1).decode("ascii").lower()
    codec = _WEB_LABELS.get(codec, codec)
    try:
        data.decode(codec)
    except (LookupError, UnicodeDecodeError):
        return None  # a wrong or unknown label: guess from the bytes instead
    return codec


class _Walker:
    """Depth-first over the DOM without recursion (deeply nested pages exist), collecting sections."""

    def __init__(self) -> None:
        self.sections: list[Section] = []
        self.heading: str | None = None
        self.parts: list[str] = []
        self.cells: list[int] = []  # cells seen in each open table row, innermost last
        self.pre_depth = 0

    def flush(self) -> None:
        text = collapse("".join(self.parts))
        if text:
            self.sections.append(Section(text=text, heading=self.heading))
        self.parts = []

    def walk(self, root: LexborNode) -> list[Section]:
        stack: list[tuple[LexborNode, bool]] = [(root, False)]
        while stack:
            node, leaving = stack.pop()
            tag = node.tag
            if leaving:
                self.leave(tag)
                continue
            if tag == "-text":
                text = node.text_content or ""
                self.parts.append(text if self.pre_depth else _WHITESPACE.sub(" ", text))
                continue
            if tag is None or tag.startswith("-") or tag in DROPPED:
                continue
            if tag in HEADINGS:
                self.flush()
                self.heading = one_line(node.text(separator=" ")) or None
                self.parts.append(f"{self.heading or ''}\n\n")
                continue
            self.enter(tag)
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(list(node.iter(include_text=True))))
        self.flush()
        return self.sections

    def enter(self, tag: str) -> None:
        if tag in _PARAGRAPHS:
            self.parts.append("\n\n")
        elif tag == "br":
            self.parts.append("\n")
        if tag == "tr":
            self.cells.append(0)
        elif tag in _CELLS and self.cells:
            if self.cells[-1]:
                self.parts.append(" | ")
            self.cells[-1] += 1
        elif tag == "pre":
            self.pre_depth += 1

    def leave(self, tag: str) -> None:
        if tag in _PARAGRAPHS:
            self.parts.append("\n\n")
        elif tag in _LINES:
            self.parts.append("\n")
        if tag == "tr" and self.cells:
            self.cells.pop()
        elif tag == "pre":
            self.pre_depth -= 1


def load(path: Path) -> Document:
    from selectolax.lexbor import LexborHTMLParser

    data = path.read_bytes()
    tree = LexborHTMLParser(decode_text(data, path, encoding=_encoding(data)))
    title_node = tree.css_first("head > title")
    title = one_line(title_node.text()) if title_node is not None else ""
    sections = _Walker().walk(tree.body or tree.root)
    if not title:
        title = next((s.heading for s in sections if s.heading), "") or path.stem
    return Document(path=path, kind="html", title=title, sections=sections)
