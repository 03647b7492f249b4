"""Whitespace and character clean-up shared by the loaders; regexes only, so big documents stay fast."""

from __future__ import annotations

import re
import unicodedata

_RARE_BREAKS = ("\u2028", "\u2029", "\x0b", "\x0c")  # line/paragraph separators, vertical tab, form feed
_PDF_SOFT_HYPHEN = re.compile(r"[\ufffe\x02\u00ad][ \t]*\n?[ \t]*")
# starts with a literal "-" so that the regex engine can skip ahead; the letter before it is a lookbehind
_HYPHEN_BREAK = re.compile(r"-(?<=[^\W\d_]-)[ \t]*\n[ \t]*(?=[a-zß-öø-ÿ])")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ufffe\uffff]")
_ODD_SPACES = re.compile(r"[\t\xa0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_SPACE_RUNS = re.compile(r"  +")
_BLANK_RUNS = re.compile(r"\n\n\n+")


def plain_newlines(text: str) -> str:
    """Every kind of line break as "\n" (str.replace runs at C speed; most breaks are \r\n or \r)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    for mark in _RARE_BREAKS:
        if mark in text:
            text = text.replace(mark, "\n")
    return text


def tidy(text: str) -> str:
    """Plain newlines, no trailing blanks, at most one empty line in a row; indentation is kept."""
    text = "\n".join(line.rstrip(" \t") for line in plain_newlines(text).split("\n"))
    return _BLANK_RUNS.sub("\n\n", text).strip("\n")


def collapse(text: str) -> str:
    """tidy, and every run of spaces or tabs becomes one space: for text whose layout means nothing."""
    text = _SPACE_RUNS.sub(" ", _ODD_SPACES.sub(" ", plain_newlines(text)))
    text = text.replace(" \n", "\n").replace("\n ", "\n")
    return _BLANK_RUNS.sub("\n\n", text).strip()


def normalise_pdf_text(text: str) -> str:
    """pdfium's text made readable: line endings, ligatures (NFKC), hyphenated line breaks, spacing.

    pdfium marks a hyphen it found at a line end with U+FFFE (or U+0002) and drops the break itself;
    both are joined back into one word, as is a plain "infor-" + newline + "mation".
    """
    text = plain_newlines(text)
    text = _PDF_SOFT_HYPHEN.sub("", text)
    text = unicodedata.normalize("NFKC", text)
    text = _HYPHEN_BREAK.sub("", text)
    text = _CONTROL.sub("", text)
    return collapse(text)


def one_line(text: str) -> str:
    """A heading or title: all whitespace runs become single spaces."""
    return " ".join(text.split())
