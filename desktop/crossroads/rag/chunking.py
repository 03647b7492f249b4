"""Splitting a Document into passages the embedder can read whole, and a citation can point back to.

Sizes are in embedding-model tokens (what the model truncates at), not characters. A chunk never crosses a
section (a page, a slide, a heading's run of text), so every chunk has one page and one heading. Each chunk is an
exact slice of ``doc.text``, so the UI can highlight the passage it came from.

Packing works on *units*: sentences, or word runs of a sentence too long to fit. Token counts are taken once per
unit; a chunk's size is the sum of its units' sizes (exact for WordPiece/BPE tokenizers that split on white
space, close enough otherwise).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import accumulate

from crossroads.errors import InputError
from crossroads.ingest.document import Document

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
# A sentence ends at . ! ? … (plus closing quotes/brackets) followed by space and a character that is not a
# lower-case letter (so "e.g. the" stays whole), or at a line break (list items, table rows, wrapped headings).
_SENTENCE_BREAK = re.compile(r"(?:(?<=[.!?…])|(?<=[.!?…][\"'”’)\]]))\s+(?=[^\sa-z])|\s*\n\s*")
# "excl. VAT", "e.g. Word", "No. 5": a full stop after these does not end a sentence (it split price-list rows).
_ABBREVIATION = re.compile(
    r"(?:^|[\s(])(?:excl|incl|approx|e\.g|i\.e|etc|vs|no|nr|dr|mr|mrs|ms|prof|fig|ca|cf|st|vol|art|sec|p|pp)\.$",
    re.IGNORECASE,
)
_WORD = re.compile(r"\S+")
MIN_CHUNK_TOKENS = 8
# Bump whenever chunks come out differently (the loaders' text included): documents chunked by another version
# are re-read. 2: tables in PDFs read as rows carrying their column names.
CHUNKER_VERSION = 2
TABULAR_KINDS = frozenset({"xlsx", "csv"})


@dataclass(frozen=True)
class Chunk:
    """A passage of a document: ``text == doc.text[start:end]``; ``tokens`` is its size in model tokens."""

    ordinal: int
    text: str
    start: int
    end: int
    page: int | None
    heading: str | None
    tokens: int


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    tokens: int
    paragraph: int


def chunk_document(
    doc: Document,
    count_tokens: Callable[[str], int],
    max_tokens: int = 200,
    overlap: int = 40,
) -> list[Chunk]:
    """Chunks of at most ``max_tokens`` tokens, consecutive chunks sharing about ``overlap`` tokens.

    Spreadsheet rows are the exception: each row (rendered "Header: value; …" by the loader) is a chunk of its
    own. Packed together, rows that share every header word ("List price (EUR, excl. VAT)") drown the one row a
    question is about, and a passage of ten price rows invites the model to quote the wrong one.
    """
    check_chunk_settings(max_tokens, overlap)
    one_row_each = doc.kind in TABULAR_KINDS
    chunks: list[Chunk] = []
    for section, base in zip(doc.sections, doc.offsets, strict=True):
        units = list(_units(doc.text, base, base + len(section.text), count_tokens, max_tokens, overlap))
        groups = [(i, i) for i in range(len(units))] if one_row_each else _pack(units, max_tokens, overlap)
        for first, last in groups:
            start, end = units[first].start, units[last].end
            chunks.append(
                Chunk(
                    ordinal=len(chunks),
                    text=doc.text[start:end],
                    start=start,
                    end=end,
                    page=section.page,
                    heading=section.heading,
                    tokens=sum(u.tokens for u in units[first : last + 1]),
                )
            )
    return chunks


def check_chunk_settings(max_tokens: int, overlap: int) -> None:
    """Chunk size and overlap a user may set; raises InputError with the rule they broke."""
    if max_tokens < MIN_CHUNK_TOKENS:
        raise InputError(f"A chunk size of {max_tokens} tokens is too small; use at least {MIN_CHUNK_TOKENS}.")
    if not 0 <= overlap < max_tokens:
        raise InputError(
            f"The chunk overlap ({overlap} tokens) must be at least 0 and smaller than the chunk size "
            f"({max_tokens} tokens)."
        )


def _spans(text: str, start: int, end: int, separator: re.Pattern[str]) -> Iterator[tuple[int, int]]:
    """Non-blank stretches of ``text[start:end]`` between separators, trimmed of white space."""
    position = start
    for match in separator.finditer(text, start, end):
        yield from _trimmed(text, position, match.start())
        position = match.end()
    yield from _trimmed(text, position, end)


def _trimmed(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        yield start, end


def _sentences(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Sentence spans, re-joined where a break followed an abbreviation rather than a sentence's end."""
    pending: tuple[int, int] | None = None
    for s_start, s_end in _spans(text, start, end, _SENTENCE_BREAK):
        if pending is not None:
            s_start = pending[0]
        if _ABBREVIATION.search(text[s_start:s_end]) and "\n" not in text[s_end : s_end + 2]:
            pending = (s_start, s_end)
            continue
        pending = None
        yield s_start, s_end
    if pending is not None:
        yield pending


def _units(
    text: str, start: int, end: int, count_tokens: Callable[[str], int], max_tokens: int, overlap: int
) -> Iterator[_Unit]:
    for paragraph, (p_start, p_end) in enumerate(_spans(text, start, end, _PARAGRAPH_BREAK)):
        for s_start, s_end in _sentences(text, p_start, p_end):
            tokens = count_tokens(text[s_start:s_end])
            if tokens <= max_tokens:
                yield _Unit(s_start, s_end, tokens, paragraph)
                continue
            # Too long for one chunk: cut it into word runs small enough to also serve as overlap.
            piece = min(overlap, max_tokens // 4) if overlap else max_tokens
            for w_start, w_end, w_tokens in _word_runs(text, s_start, s_end, count_tokens, max(piece, 1)):
                yield _Unit(w_start, w_end, w_tokens, paragraph)


def _word_runs(
    text: str, start: int, end: int, count_tokens: Callable[[str], int], limit: int
) -> Iterator[tuple[int, int, int]]:
    """Consecutive runs of whole words of at most ``limit`` tokens; a word longer than that is cut."""
    run_start = run_end = -1
    run_tokens = 0
    for match in _WORD.finditer(text, start, end):
        tokens = count_tokens(match.group())
        if tokens > limit:
            if run_start >= 0:
                yield run_start, run_end, run_tokens
                run_start, run_tokens = -1, 0
            yield from _cut_word(text, match.start(), match.end(), count_tokens, limit)
            continue
        if run_start >= 0 and run_tokens + tokens > limit:
            yield run_start, run_end, run_tokens
            run_start, run_tokens = -1, 0
        if run_start < 0:
            run_start = match.start()
        run_end = match.end()
        run_tokens += tokens
    if run_start >= 0:
        yield run_start, run_end, run_tokens


def _cut_word(
    text: str, start: int, end: int, count_tokens: Callable[[str], int], limit: int
) -> Iterator[tuple[int, int, int]]:
    """A word with no spaces (a URL, a hash, CJK text): the longest prefixes that fit, by bisection."""
    while start < end:
        low, high = start + 1, end
        while low < high:
            middle = (low + high + 1) // 2
            if count_tokens(text[start:middle]) <= limit:
                low = middle
            else:
                high = middle - 1
        yield start, low, count_tokens(text[start:low])
        start = low


def _pack(units: list[_Unit], max_tokens: int, overlap: int) -> Iterator[tuple[int, int]]:
    """(first, last) unit indices of each chunk: greedy fill, ending at a paragraph break when one is late
    enough in the chunk, then stepping back by whole units of the next chunk's paragraph for the overlap.

    The overlap never reaches back across a paragraph break: a chunk that opens with the last sentence of the
    previous paragraph mixes two topics, and a small model then answers from the wrong one (measured on SQuAD).
    """
    cumulative = [0, *accumulate(u.tokens for u in units)]

    def size(first: int, stop: int) -> int:
        return cumulative[stop] - cumulative[first]

    first = 0
    while first < len(units):
        stop = first + 1
        while stop < len(units) and size(first, stop + 1) <= max_tokens:
            stop += 1
        if stop < len(units):
            for candidate in range(stop - 1, first, -1):
                if size(first, candidate) < max_tokens // 2:
                    break
                if units[candidate].paragraph != units[candidate - 1].paragraph:
                    stop = candidate
                    break
        yield first, stop - 1
        if stop >= len(units):
            return
        paragraph = units[stop].paragraph
        room = min(overlap, max_tokens - units[stop].tokens)
        following = stop
        while (
            following - 1 > first
            and units[following - 1].paragraph == paragraph
            and size(following - 1, stop) <= room
        ):
            following -= 1
        first = following
