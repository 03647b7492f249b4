"""Markdown through markdown-it-py: sections split at headings (ATX and Setext), text without the markup.

Parsing rather than regex-stripping keeps code blocks, lists and tables intact, and turns a table into
self-describing rows just like a spreadsheet.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from crossroads.ingest.document import Document, Section
from crossroads.ingest.normalize import one_line, tidy
from crossroads.ingest.tabular import render_rows
from crossroads.ingest.textcodec import read_text

if TYPE_CHECKING:
    from markdown_it.token import Token

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_FRONT_TITLE = re.compile(r"^title:[ \t]*(.+?)[ \t]*$", re.MULTILINE)
_TAGS = re.compile(r"<[^>]*>")


def inline_text(token: Token) -> str:
    """An inline token's words: emphasis, links and inline HTML dropped, code and image alt text kept."""
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
        elif child.type == "image":
            parts.append(inline_text(child))
    return "".join(parts)


class _Sections:
    """Walks the token stream once, starting a new section at every heading."""

    def __init__(self) -> None:
        self.sections: list[Section] = []
        self.heading: str | None = None
        self.blocks: list[str] = []
        self.lists: list[str] = []  # "-" for a bullet list, "1" for an ordered one, innermost last
        self.item_marker = ""
        self.list_block: int | None = None  # index in blocks of the block that list lines go to
        self.rows: list[list[str]] = []
        self.header: list[str] | None = None

    def flush(self) -> None:
        text = tidy("\n\n".join(block for block in self.blocks if block.strip()))
        if text:
            self.sections.append(Section(text=text, heading=self.heading))
        self.blocks, self.list_block = [], None

    def add_text(self, text: str) -> None:
        """A paragraph; inside a list, one line of the list's block, with its marker and indent."""
        if not self.lists:
            self.blocks.append(text)
            return
        line = "  " * (len(self.lists) - 1) + (self.item_marker or "  ") + " " + text
        self.item_marker = ""
        if self.list_block is not None and self.list_block == len(self.blocks) - 1:
            self.blocks[-1] += "\n" + line
        else:
            self.blocks.append(line)
            self.list_block = len(self.blocks) - 1

    def feed(self, tokens: list[Token]) -> list[Section]:
        for index, token in enumerate(tokens):
            kind = token.type
            if kind == "heading_open":
                self.flush()
                self.heading = one_line(inline_text(tokens[index + 1]))
                self.blocks.append(self.heading)
            elif kind == "inline" and tokens[index - 1].type == "heading_open":
                continue
            elif kind in ("bullet_list_open", "ordered_list_open"):
                self.lists.append("-" if kind == "bullet_list_open" else "1")
            elif kind in ("bullet_list_close", "ordered_list_close"):
                self.lists.pop()
            elif kind == "list_item_open":
                self.item_marker = "-" if self.lists[-1] == "-" else f"{token.info or '1'}."
            elif kind == "tr_open":
                self.rows.append([])
            elif kind == "inline" and tokens[index - 1].type in ("th_open", "td_open"):
                self.rows[-1].append(one_line(inline_text(token)))
            elif kind == "thead_close":
                self.header, self.rows = (self.rows[0] if self.rows else None), []
            elif kind == "table_close":
                self.blocks.append(render_rows(self.rows, header=self.header))
                self.rows, self.header = [], None
            elif kind == "inline":
                self.add_text(inline_text(token))
            elif kind in ("fence", "code_block"):
                self.blocks.append(token.content.rstrip("\n"))
            elif kind == "html_block":
                self.blocks.append(_TAGS.sub("", token.content).strip())
        self.flush()
        return self.sections


def load(path: Path) -> Document:
    from markdown_it import MarkdownIt

    source = read_text(path)
    title = None
    front = _FRONT_MATTER.match(source)
    if front:
        found = _FRONT_TITLE.search(front.group(1))
        title = one_line(found.group(1).strip("\"'")) if found else None
        source = source[front.end():]
    tokens = MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(source)
    sections = _Sections().feed(tokens)
    if not title:
        title = next((inline_text(t) for t in _h1_inlines(tokens)), None)
    return Document(path=path, kind="markdown", title=one_line(title or "") or path.stem, sections=sections)


def _h1_inlines(tokens: list[Token]) -> list[Token]:
    return [tokens[i + 1] for i, t in enumerate(tokens[:-1]) if t.type == "heading_open" and t.tag == "h1"]
