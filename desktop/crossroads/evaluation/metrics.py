"""Judge-free answer metrics: lexical groundedness, citation checks and SQuAD-style scores.

Every figure here is an *indicator*, not a verdict: lexical overlap rewards copying, misses paraphrase and
cannot see a flipped negation. They are cheap (well under a millisecond for a typical answer), deterministic
and need no model, so they can run on every answer - the model-only one included, against the same
retrieved sources, which makes the gap between the two an honest "how much came from your documents" figure.

Definitions shared by the groundedness figures:

- *Content tokens*: lowercase word tokens (any script; numbers such as ``3.5``, ``1,299`` and ``2024`` stay
  whole), minus a compact English stop-word list, folded by the Snowball English stemmer so "policies" meets
  "policy" and "cooled" meets "cool" (measured on hand-labelled answer sentences: ``bench/eval_support.py``;
  the plural-only folding it replaced marked more restated passages red). Negations ("not", "no", "never")
  are kept: they change what a sentence claims. Citation markers such as ``[1]`` are ignored.
- *Question tokens*: the question's content tokens. They are dropped from the answer before measuring, so
  an answer that merely echoes the question earns no credit for it.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

# --- tokens -------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"\d+(?:[.,]\d+)*(?![^\W_])|[^\W_]+(?:['’][^\W_]+)*")
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+")
_CITATION = re.compile(r"\[\s*(?:sources?\s*)?(\d+(?:\s*[-–,;]\s*(?:sources?\s*)?\d+)*)\s*\]", re.IGNORECASE)
_STOP_WORDS_TEXT = """
a about above after again against all am an and any are as at be because been before being below between
both but by can could did do does doing down during each few for from further had has have having he her
here hers herself him himself his how i if in into is it its itself just may me might more most must my
myself of off on once only or other our ours ourselves out over own same shall she should so some such than
that the their theirs them themselves then there these they this those through to too under until up upon
us very via was we were what when where which while who whom whose why will with would you your yours
yourself yourselves also however therefore thus yes sure based according answer question given provided
document documents source sources passage passages context
"""  # the last line: attribution ("according to the documents"), not a claim
_STOP_WORDS_RAW = frozenset(_STOP_WORDS_TEXT.split())


def _canonical_number(token: str) -> str:
    """So "1,299" meets "1299" and "3.50" meets "3.5"; a decimal comma is left alone."""
    if _THOUSANDS.fullmatch(token):
        token = token.replace(",", "")
    if "." in token and token.count(".") == 1:
        token = token.rstrip("0").rstrip(".")
    return token


def _stem(word: str) -> str:
    """The Snowball (Porter 2) English stem, so "cooled" meets "cool" and "policies" meets "policy": a model that
    restates a passage in other word forms is still restating it. Possessives go first ("Brellvik's")."""
    if word.endswith(("'s", "’s")):
        word = word[:-2]
    return _snowball().stemWord(word) if len(word) > 3 else word


@lru_cache(maxsize=1)
def _snowball() -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer("english")


_NUMBER_WORDS_TEXT = """
zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen
eighteen nineteen | twenty thirty forty fifty sixty seventy eighty ninety
"""
UNIT_WORDS, TENS_WORDS = (tuple(part.split()) for part in _NUMBER_WORDS_TEXT.split("|"))
"""Numbers written as words, by value (``UNIT_WORDS[i]`` is i, ``TENS_WORDS[i]`` is 20 + 10 i); the figure check
reads them too."""
# Counts written as words meet the same count in digits ("five solo tackles", "5 solo tackles"). "One" and "zero"
# stay words: "one" is as often a pronoun ("the first one"), and a pronoun must not become a figure to look for.
_COUNT_WORDS = {**{w: str(i) for i, w in enumerate(UNIT_WORDS) if i >= 2},
                **{w: str(20 + 10 * i) for i, w in enumerate(TENS_WORDS)}}


@lru_cache(maxsize=65536)
def _fold(raw: str) -> str:
    """Cached: a vocabulary is small next to the number of tokens it folds."""
    if raw[0].isdigit():
        return _canonical_number(raw)
    return _COUNT_WORDS.get(raw) or _stem(raw.replace("’", "'"))


# Compared after folding, as the tokens are ("during" is "dure" by then).
_STOP_WORDS = frozenset(_fold(w) for w in _STOP_WORDS_RAW) | _STOP_WORDS_RAW


def _tokens(text: str) -> list[str]:
    """All word tokens, lowercased, numbers canonical, plurals folded (stop words kept)."""
    return [_fold(raw) for raw in _TOKEN.findall(_CITATION.sub(" ", text).lower())]


def _content_tokens(text: str) -> list[str]:
    return [t for t in _tokens(text) if t not in _STOP_WORDS]


def content_stems(text: str) -> list[str]:
    """The words that carry meaning, stemmed and numbers canonical: what two texts are compared on."""
    return _content_tokens(text)


_NAME = re.compile(r"(?<![\w'’])[A-Z][^\W_]*(?:['’-][^\W_]+)*")


def _names(text: str) -> set[str]:
    """Capitalised words after a sentence's first word, folded like the vocabulary: product, place and people
    names. A sentence that puts the price of one product next to the name of another is the confabulation a
    word-overlap share misses, so these must be in the backing source even when the question asked about them."""
    found = set()
    for match in _NAME.finditer(text):
        if match.start() == len(text) - len(text.lstrip()):
            continue  # the sentence's first word is capitalised anyway
        for token in _tokens(match.group()):
            if token not in _STOP_WORDS:
                found.add(token)
    return found


@lru_cache(maxsize=128)
def _source_vocabulary(source: str) -> frozenset[str]:
    """Cached: the same sources are checked against the model-only and the RAG answer."""
    return frozenset(_tokens(source))


# --- sentences ----------------------------------------------------------------------------------------

_BULLET = re.compile(r"\s*(?:[-*•‣◦+]|\d{1,3}[.)]|[a-z]\)|#{1,6})\s+")
_END = re.compile(rf"(?:[.!?…]+|[。！？])[\"'”’»)]*(?:\s*{_CITATION.pattern})*", re.IGNORECASE)
_ABBREVIATIONS_TEXT = (
    "mr mrs ms dr prof sr jr st vs cf approx fig figs eq vol pp ca e.g i.e eg ie incl dept resp esp al"
)
_ABBREVIATIONS = frozenset(_ABBREVIATIONS_TEXT.split())
_BEFORE_NUMBER = frozenset({"no", "nr", "art", "sec", "ch", "para"})  # "No. 5" ends nothing
_INITIALISM = re.compile(r"(?:[a-z]\.)+[a-z]")  # U.S., a.m.


def _is_boundary(line: str, mark_start: int, end: int) -> bool:
    """A full stop ends a sentence unless it closes an abbreviation, an initial or runs into lowercase."""
    if line[mark_start] in "。！？":
        return True
    rest = line[end:]
    if rest and not rest[0].isspace():
        return False
    following = rest.lstrip()
    if following and following[0].islower():
        return False
    if line[mark_start] == "." and line[mark_start:end].count(".") == 1:
        word = line[:mark_start].rsplit(None, 1)[-1] if line[:mark_start].strip() else ""
        word = word.lstrip("(\"'“‘").lower()
        if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
            return False
        if word in _BEFORE_NUMBER and following[:1].isdigit():
            return False
        if _INITIALISM.fullmatch(word):
            return False
    return True


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences and list items of an answer, trimmed of bullets and spaces.

    Each line is split on its own (LLM answers put list items and headings on lines of their own).
    Citation markers after a full stop ("... 40 euros. [1]") stay with the sentence they back.
    Spans without a single letter or digit (rules, code fences) are left out.
    """
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        bullet = _BULLET.match(line)
        start = bullet.end() if bullet else 0
        for match in _END.finditer(line, start):
            if _is_boundary(line, match.start(), match.end()):
                _add_span(spans, line, offset, start, match.end())
                start = match.end()
        _add_span(spans, line, offset, start, len(line))
        offset += len(line)
    return spans


def _add_span(spans: list[tuple[int, int]], line: str, offset: int, start: int, end: int) -> None:
    piece = line[start:end]
    stripped = piece.strip()
    if any(ch.isalnum() for ch in stripped):
        lead = len(piece) - len(piece.lstrip())
        spans.append((offset + start + lead, offset + start + lead + len(stripped)))


# --- groundedness -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SentenceSupport:
    """How one answer sentence is backed by the sources; ``best_source`` is 1-based.

    ``checkable`` is False for sentences with too little content to judge ("Sure!", a restated
    question); they are neither supported nor counted in the shares.
    """

    start: int
    end: int
    text: str
    supported: bool
    best_source: int | None
    coverage: float
    checkable: bool = True


@dataclass(frozen=True)
class Groundedness:
    """Per-sentence support plus two shares; a share is None when there is nothing to measure."""

    sentences: tuple[SentenceSupport, ...]
    grounded_share: float | None
    k_precision: float | None


def groundedness(
    answer: str, sources: Sequence[str], question: str = "", threshold: float = 0.6
) -> Groundedness:
    """Lexical support of each answer sentence by the retrieved sources, and K-Precision++.

    A sentence is *checkable* when it has at least 2 content tokens and at least one that is not a
    question token. It is *supported* when one single source holds at least ``threshold`` of its content
    tokens (question tokens dropped) **and every number and name the sentence adds to the question**; and
    the numbers and names it takes from the question appear somewhere in the sources. A wrong figure, or a
    right figure about a product the sources never mention, is the typical hallucination, and one differing
    token barely moves a coverage share. (A passage from a product's manual need not repeat the product's
    name, so the question's names are looked for in all the passages, not only the backing one.) Nor is it supported
    when a figure or name it adds is bound to something else: another source sentence or table row matches the
    sentence's other words clearly better and holds a different figure or name (the 0.5B model's usual slip is the
    neighbouring row's price or the neighbouring sentence's person).
    ``grounded_share`` is the share of checkable sentences that are supported. ``k_precision`` (K-Precision++,
    Adlakha et al. 2024) is the share of the answer's content-token occurrences, minus question tokens, found
    anywhere in the sources.
    Both are None without checkable content or without any source text.
    """
    vocabularies = [_source_vocabulary(s) for s in sources]
    has_sources = any(vocabularies)
    asked = set(_content_tokens(question))
    spans = split_sentences(answer)
    everywhere = frozenset().union(*vocabularies)
    units = _source_units(tuple(sources))
    results = [_support(answer, s, e, vocabularies, everywhere, asked, threshold, units) for s, e in spans]
    checkable = [r for r in results if r.checkable]
    grounded = sum(r.supported for r in checkable) / len(checkable) if checkable and has_sources else None

    counted = [t for s, e in spans for t in _content_tokens(answer[s:e]) if t not in asked]
    k_precision = sum(t in everywhere for t in counted) / len(counted) if counted and has_sources else None
    return Groundedness(tuple(results), grounded, k_precision)


def _support(
    answer: str,
    start: int,
    end: int,
    vocabularies: list[frozenset[str]],
    everywhere: frozenset[str],
    asked: set[str],
    threshold: float,
    units: tuple[frozenset[str], ...] = (),
) -> SentenceSupport:
    text = answer[start:end]
    content = set(_content_tokens(text))
    claim = content - asked
    specific = {t for t in content if t[0].isdigit()} | _names(text)  # figures and names: what a claim hangs on
    must_appear = specific - asked
    about_known = (specific & asked) <= everywhere  # False: the answer is about something no passage mentions
    if len(content) < 2 or not claim or is_abstention(text):  # a refusal claims nothing about the documents
        return SentenceSupport(start, end, text, False, None, 0.0, checkable=False)
    best: tuple[bool, float, int] | None = None
    for number, vocabulary in enumerate(vocabularies, start=1):
        coverage = len(claim & vocabulary) / len(claim)
        backs = about_known and coverage >= threshold and must_appear <= vocabulary
        if coverage > 0 and (best is None or (backs, coverage) > best[:2]):
            best = (backs, coverage, number)
    if best is None:
        return SentenceSupport(start, end, text, False, None, 0.0)
    backed = best[0] and not _misbound(content, must_appear, _names(text), units)
    return SentenceSupport(start, end, text, backed, best[2], best[1])


_ROW = re.compile(r"\w: [^;]+; [^;:]+: ")


class _Unit(NamedTuple):
    tokens: frozenset[str]
    names: frozenset[str]
    sentence: bool  # False: a whole table row


@lru_cache(maxsize=32)
def _source_units(sources: tuple[str, ...]) -> tuple[_Unit, ...]:
    """Each source sentence, and each table row read as a line ("Key: value; Key: value", as the loaders write
    rows): where a figure or a name is bound to its subject. A row split at "excl." is still one row; a prose
    paragraph is too wide to bind anything."""
    units: list[_Unit] = []
    for source in sources:
        for line in source.splitlines():
            if _ROW.search(line):
                units.append(_Unit(frozenset(_content_tokens(line)), frozenset(_names(line)), False))
            for s, e in split_sentences(line):
                units.append(_Unit(frozenset(_content_tokens(line[s:e])), frozenset(_names(line[s:e])), True))
    return tuple(units)


def _misbound(content: set[str], must_appear: set[str], names: set[str], units: Sequence[_Unit]) -> bool:
    """A figure or name read off the wrong row or sentence: the sentence's other words sit clearly better in a
    source sentence that holds another figure (name) and not this one ("€45" for the EU countries, whose row says
    €58; "John Fox" as general manager, where the sentence about the general manager names John Elway)."""
    for specific in must_appear:
        is_figure = specific[0].isdigit()
        if is_figure:
            context = {t for t in content if not t[0].isdigit()}
        else:
            context = {t for t in content if not t[0].isdigit() and t not in names}
        with_it = max((len(context & u.tokens) for u in units if specific in u.tokens), default=0)
        rival = max(
            (len(context & u.tokens) for u in units
             if u.sentence and specific not in u.tokens
             and (any(t[0].isdigit() for t in u.tokens) if is_figure else bool(u.names - names))),
            default=0,
        )
        if rival >= 2 and rival > with_it + 1:
            return True
    return False


# --- citations ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CitationCheck:
    """Citation markers found in an answer, checked against the number of sources shown to the model."""

    cited: tuple[int, ...]
    invalid: tuple[int, ...]
    coverage: float | None
    valid_share: float | None


def _cited_numbers(marker_body: str) -> list[int]:
    """Read "2, 3" as [2, 3] and "1-3" as [1, 2, 3] (short ranges only: "[2019-2024]" is no range)."""
    numbers: list[int] = []
    for part in re.split(r"\s*[,;]\s*", marker_body):
        bounds = [int(n) for n in re.findall(r"\d+", part)]
        if len(bounds) == 2 and bounds[1] < 100 and 0 <= bounds[1] - bounds[0] <= 20:
            numbers.extend(range(bounds[0], bounds[1] + 1))
        else:
            numbers.extend(bounds)
    return numbers


def check_citations(answer: str, source_count: int) -> CitationCheck:
    """Markers such as ``[1]``, ``[2, 3]``, ``[1-2]`` or ``[Source 2]``; sources are numbered from 1.

    ``cited`` and ``invalid`` are sorted, without repeats. ``valid_share`` counts every citation given
    (None when there is none). ``coverage`` is the share of sentences with at least 2 content tokens that
    carry at least one marker (None when there is no such sentence).
    """
    occurrences = [n for m in _CITATION.finditer(answer) for n in _cited_numbers(m.group(1))]
    cited = tuple(sorted(set(occurrences)))
    invalid = tuple(n for n in cited if not 1 <= n <= source_count)
    valid_share = sum(1 <= n <= source_count for n in occurrences) / len(occurrences) if occurrences else None
    claims = [answer[s:e] for s, e in split_sentences(answer) if len(set(_content_tokens(answer[s:e]))) >= 2]
    coverage = sum(bool(_CITATION.search(c)) for c in claims) / len(claims) if claims else None
    return CitationCheck(cited, invalid, coverage, valid_share)


# --- against expected answers (SQuAD conventions) -----------------------------------------------------

_SQUAD_PUNCTUATION = frozenset(string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_CURRENCY = re.compile(r"[$£€¥₹₩₽¢]")
_ABSTAIN = re.compile(
    r"^(?:the )?(?:documents?|sources?|context|passages?|text|information|provided \w+)(?: provided)? "
    r"(?:does not|do not|doesn't|don't|did not) (?:say|mention|specify|state|provide|contain|include|answer)\b"
    r"|^(?:i (?:do not|don't) know|(?:there is )?no (?:information|answer)|not (?:mentioned|stated|specified))\b"
    r"|^no (?:document|source|passage)s? (?:mentions?|says?|covers?)\b",
    re.IGNORECASE,
)


def normalize_answer(text: str) -> str:
    """The official SQuAD v1.1 normalisation: lowercase, drop ASCII punctuation, drop a/an/the, collapse spaces."""
    text = "".join(ch for ch in text.lower() if ch not in _SQUAD_PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def is_abstention(answer: str) -> bool:
    """The answer declines ("The documents do not say.", "The context does not mention …", "I don't know")."""
    return bool(_ABSTAIN.match(strip_citations(answer).strip().strip("\"'“”")))


def strip_citations(answer: str) -> str:
    """The answer without its ``[n]`` markers: a citation is not part of what the answer claims."""
    return " ".join(_CITATION.sub(" ", answer).split())


def scorable(answer: str) -> str:
    """What gold-based scores read: citations removed, and nothing at all when the answer declines.

    "Paris [1]" must score like "Paris", and an abstention must not earn partial credit for the words of
    "The documents do not say" (nor lose it for them: it simply names no answer).
    """
    return "" if is_abstention(answer) else strip_citations(answer)


def _best(prediction: str, golds: Sequence[str], score: Callable[[list[str], list[str]], float]) -> float:
    if not golds:
        raise ValueError("at least one expected answer is needed")
    predicted = normalize_answer(scorable(prediction)).split()
    return max(score(predicted, normalize_answer(g).split()) for g in golds)


def _overlap(predicted: list[str], gold: list[str]) -> int:
    return sum((Counter(predicted) & Counter(gold)).values())


def exact_match(prediction: str, golds: Sequence[str]) -> float:
    """1.0 when the normalised prediction equals a normalised expected answer."""
    return _best(prediction, golds, lambda p, g: float(p == g))


def _f1(predicted: list[str], gold: list[str]) -> float:
    if not predicted or not gold:
        return float(predicted == gold)
    same = _overlap(predicted, gold)
    if same == 0:
        return 0.0
    precision, recall = same / len(predicted), same / len(gold)
    return 2 * precision * recall / (precision + recall)


def token_f1(prediction: str, golds: Sequence[str]) -> float:
    """SQuAD bag-of-tokens F1, best over the expected answers; two empty answers agree (SQuAD 2.0)."""
    return _best(prediction, golds, _f1)


def token_recall(prediction: str, golds: Sequence[str]) -> float:
    """Share of the expected answer's tokens the prediction holds: fair to verbose LLM answers."""
    return _best(prediction, golds, lambda p, g: _overlap(p, g) / len(g) if g else float(not p))


def answer_contained(prediction: str, golds: Sequence[str]) -> float:
    """1.0 when a normalised expected answer appears in the normalised prediction, on word boundaries."""
    return _contains(scorable(prediction), golds)


def retrieval_hit(passages: Sequence[str], golds: Sequence[str]) -> float:
    """1.0 when an expected answer appears in one of the retrieved passages (SQuAD-normalised, whole words)."""
    return max((_contains(p, golds) for p in passages), default=0.0)


def _contains(text: str, golds: Sequence[str]) -> float:
    """SQuAD-normalised, and currency signs dropped on both sides: "€690" contains "690", "58 euros" "€58"."""
    if not golds:
        raise ValueError("at least one expected answer is needed")
    padded = f" {_without_currency(normalize_answer(text))} "
    wanted = (_without_currency(normalize_answer(g)) for g in golds)
    return float(any(g and f" {g} " in padded for g in wanted))


def _without_currency(text: str) -> str:
    return " ".join(_CURRENCY.sub("", text).split())


def answer_metrics(
    answer: str, sources: Sequence[str], question: str, golds: Sequence[str] | None = None,
    grounding: Groundedness | None = None,
) -> dict[str, float | None]:
    """All figures for one answer as a flat, JSON-ready dict; gold-based ones only when golds are given.

    ``retrieval_hit`` (1.0 when an expected answer appears in the retrieved passages) is a property of the
    question's retrieval, the same for every mode: it says whether a wrong answer is a search miss or a reading
    miss. ``words`` and ``abstained`` keep verbosity and refusals visible next to the accuracy figures.
    ``grounding``: the same answer's ``groundedness``, when the caller has it already (the Compare tab marks the
    sentences with it); it is the costliest figure here.
    """
    if grounding is None:
        grounding = groundedness(answer, sources, question)
    citations = check_citations(answer, len(sources))
    figures: dict[str, float | None] = {
        "grounded_share": grounding.grounded_share,
        "k_precision": grounding.k_precision,
        "citation_valid_share": citations.valid_share,
        "citation_coverage": citations.coverage,
        "words": float(len(strip_citations(answer).split())),
        "abstained": float(is_abstention(answer)),
    }
    if golds:
        figures |= {
            "exact_match": exact_match(answer, golds),
            "f1": token_f1(answer, golds),
            "token_recall": token_recall(answer, golds),
            "contained": answer_contained(answer, golds),
            "retrieval_hit": retrieval_hit(sources, golds) if sources else None,
        }
    return figures
