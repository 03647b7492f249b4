"""What the model reads of the retrieved passages: the sentences that bear on the question, not whole passages.

Retrieval finds the right passage for nearly every question, yet the 0.5B default model often answers from the
wrong sentence of it: a neighbouring figure, another team's name. Four 200-token passages are also most of the
prompt, and reading the prompt is most of the time to the first token. So the passages are cut down to their
sentences closest to the question (the same embedder that retrieved them, plus the question's own words, which
the small embedder blurs for names and numbers), each with the sentence before it when the budget allows, since a
sentence often leans on the one before ("He was …"). Sentences keep their passage and their order; a gap between
kept sentences shows as "…". The user still sees, and the support check still uses, the whole passages.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from crossroads.evaluation.metrics import content_stems, split_sentences
from crossroads.rag.prompting import unwrap_lines

FOCUS_TOKENS = 300
"""How much of the passages the documents column reads, in the chat model's tokens (0: whole passages)."""
KEYWORD_WEIGHT = 0.35
"""How much the share of the question's words found in a sentence adds to its cosine similarity (0–1)."""
MIN_SENTENCE_CHARS = 25
ROW_CHARS = 120  # a line this short without a full stop is a table row, a heading or a list entry
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)]*$")


@dataclass(frozen=True)
class Sentence:
    passage: int  # index into the passages given
    position: int  # index of the sentence within its passage
    text: str
    score: float = 0.0


def passage_sentences(text: str) -> list[str]:
    """The units of a passage the model may be shown: its sentences, and each run of table rows or short lines
    kept together (a row means little without its header and neighbours). A fragment too short to stand alone
    (a split after "excl.") stays with the sentence before it."""
    units: list[str] = []
    rows: list[str] = []

    def end_rows() -> None:
        if rows:
            units.append("\n".join(rows))
            rows.clear()

    for line in unwrap_lines(text.strip()).splitlines():
        line = line.strip()
        if not line:
            continue
        if len(line) <= ROW_CHARS and not _SENTENCE_END.search(line):
            rows.append(line)
            continue
        end_rows()
        for a, b in split_sentences(line):
            piece = line[a:b]
            if units and len(piece) < MIN_SENTENCE_CHARS:
                units[-1] = f"{units[-1]} {piece}"
            else:
                units.append(piece)
    end_rows()
    return units


def score_sentences(
    question: str,
    passages: Sequence[str],
    encode: Callable[[Sequence[str]], np.ndarray],
    query_vector: np.ndarray,
) -> list[Sentence]:
    """Every sentence of every passage, scored by closeness in meaning plus the question's words it contains."""
    sentences = [
        Sentence(p, i, s)
        for p, text in enumerate(passages)
        for i, s in enumerate(passage_sentences(text))
    ]
    if not sentences:
        return []
    vectors = encode([s.text for s in sentences])
    cosines = vectors @ query_vector
    wanted = set(content_stems(question))
    stems = [set(content_stems(s.text)) & wanted for s in sentences]
    weight = _rarity(wanted, stems)
    total = sum(weight.values())
    scored = []
    for sentence, cosine, found in zip(sentences, cosines, stems, strict=True):
        overlap = sum(weight[w] for w in found) / total if total else 0.0
        scored.append(Sentence(sentence.passage, sentence.position, sentence.text,
                               float(cosine) + KEYWORD_WEIGHT * overlap))
    return scored


def _rarity(words: set[str], found_in: Sequence[set[str]]) -> dict[str, float]:
    """Each question word's weight: high when few of the sentences hold it. A word every passage repeats (the
    company's name, "Super Bowl") tells the sentences apart no better than a stop word."""
    count = len(found_in)
    return {w: math.log(1 + (count + 1) / (1 + sum(w in f for f in found_in))) for w in words}


def select(
    scored: Sequence[Sentence], budget_tokens: int, count_tokens: Callable[[str], int], with_previous: bool = True
) -> dict[int, list[Sentence]]:
    """The best sentences within the budget, by passage, in reading order; each with its predecessor if it fits."""
    by_place = {(s.passage, s.position): s for s in scored}
    kept: dict[tuple[int, int], Sentence] = {}
    used = 0

    def take(sentence: Sentence) -> bool:
        nonlocal used
        key = (sentence.passage, sentence.position)
        if key in kept:
            return True
        cost = count_tokens(sentence.text) + 1
        if used + cost > budget_tokens:
            return False
        kept[key] = sentence
        used += cost
        return True

    for sentence in sorted(scored, key=lambda s: -s.score):
        if not take(sentence) and kept:
            continue
        previous = by_place.get((sentence.passage, sentence.position - 1))
        if with_previous and previous is not None:
            take(previous)
    grouped: dict[int, list[Sentence]] = {}
    for key in sorted(kept):
        grouped.setdefault(key[0], []).append(kept[key])
    return grouped


def join(sentences: Sequence[Sentence]) -> str:
    """A passage's kept sentences as one text; "…" where sentences were left out between or before them."""
    parts: list[str] = []
    expected = 0
    for sentence in sentences:
        if sentence.position != expected:
            parts.append("…")
        parts.append(sentence.text)
        expected = sentence.position + 1
    return " ".join(parts)


@dataclass(frozen=True)
class Focused:
    index: int  # into the passages given
    text: str  # what the model reads of it
    score: float  # its best sentence's score: the order the passages are read in


def focus(
    question: str,
    passages: Sequence[str],
    encode: Callable[[Sequence[str]], np.ndarray],
    query_vector: np.ndarray,
    budget_tokens: int,
    count_tokens: Callable[[str], int],
) -> list[Focused]:
    """The passages that keep a sentence, cut to those sentences, the passage of the best sentence first."""
    scored = score_sentences(question, passages, encode, query_vector)
    grouped = select(scored, budget_tokens, count_tokens)
    best = {p: max(s.score for s in group) for p, group in grouped.items()}
    return [Focused(p, join(grouped[p]), best[p]) for p in sorted(grouped, key=lambda p: -best[p])]
