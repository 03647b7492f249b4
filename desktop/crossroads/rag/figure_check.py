"""An answer from the documents may not state a figure that none of its passages contains.

Asked about something the documents never cover ("What was the revenue in 2025?"), the 0.5B default model does
not say so: it writes a fluent, confident figure ("$1.2 billion", "340 parking spaces"), and in front of a client
that is the worst answer the documents column can give. Whether a figure is in the passages is certain and cheap
to check, unlike whether a whole sentence is: so the documents column withholds an answer whose figures no passage
(nor the question) contains, and says that the documents do not say, showing what the model had written.

A figure counts as found when the passages hold it in any of its usual spellings: "1,299" and "1299", "3.50"
and "3.5", "two" and "2", "second" and "2nd", "1.2 billion" and "1,200,000,000". Figures written as words in the
answer ("two days") are not checked: "one" is too often not a number at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from crossroads.evaluation.metrics import TENS_WORDS, UNIT_WORDS, content_stems, strip_citations
from crossroads.rag.prompting import ABSTAIN_ANSWER

# A figure written with digits, not inside a word or a code ("E27", "v2" are names, not amounts).
_FIGURE = re.compile(r"(?<![\w.,])\d+(?:[.,:]\d+)*(?:\s*(?:thousand|million|billion|trillion|bn)\b)?",
                     re.IGNORECASE)
_ANY_DIGITS = re.compile(r"\d+(?:[.,:]\d+)*(?:\s*(?:thousand|million|billion|trillion|bn)\b)?", re.IGNORECASE)
# The words right after a figure, up to two, when they are plain lower-case words: what the figure counts.
_COUNTED = re.compile(r"\s+((?:[a-z][a-z-]+)(?:\s+[a-z][a-z-]+)?)")
# A name or a figure right after those words: the phrase goes on ("39 former MVP honorees"), so the words read so
# far describe the counted thing rather than name it, and no counted thing is checked.
_PHRASE_GOES_ON = re.compile(r"\s+[A-Z0-9]")
_NOT_COUNTED = frozenset({"per", "times", "percent", "km", "kg", "cm", "mm", "ml", "am", "pm", "p"})
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_THOUSANDS_DOTS = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?")  # 1.200,50 in German-style documents
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "bn": 1e9, "trillion": 1e12}
_UNITS, _TENS = UNIT_WORDS, TENS_WORDS
_ORDINALS_TEXT = "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth"
_ORDINALS = _ORDINALS_TEXT.split()
_WORD_VALUES: dict[str, float] = {
    **{w: float(i) for i, w in enumerate(_UNITS)},
    **{w: float(20 + 10 * i) for i, w in enumerate(_TENS)},
    **{w: float(i + 1) for i, w in enumerate(_ORDINALS)},
    "hundred": 100.0, "thousand": 1e3, "dozen": 12.0, "half": 0.5,
}
_NUMBER_WORD = re.compile(
    r"\b(?:(" + "|".join(_TENS) + r")[-\s](" + "|".join(_UNITS[1:10]) + r")|(" + "|".join(_WORD_VALUES) + r"))\b",
    re.IGNORECASE,
)


def _keys(figure: str) -> set[str]:
    """The spellings-independent forms of one figure: its digits as written, and its value (times its scale)."""
    text = figure.strip().lower()
    scale = 1.0
    for word, factor in _SCALES.items():
        if text.endswith(word):
            text, scale = text[: -len(word)].strip(), factor
            break
    keys = {text}
    candidates = [text]
    if _THOUSANDS.fullmatch(text):
        candidates.append(text.replace(",", ""))
    if _THOUSANDS_DOTS.fullmatch(text):
        candidates.append(text.replace(".", "").replace(",", "."))
    if text.count(",") == 1 and "." not in text:
        candidates.append(text.replace(",", "."))  # a decimal comma: 3,5
    for candidate in candidates:
        try:
            value = float(candidate)
        except ValueError:
            continue
        keys.add(_value_key(value))
        if scale != 1.0:
            keys.add(_value_key(value * scale))
    return keys


def _value_key(value: float) -> str:
    return f"{value:.6g}"


def figures(answer: str) -> list[str]:
    """The figures the answer states with digits, citations left out, in order and without repeats."""
    found: list[str] = []
    for match in _FIGURE.finditer(strip_citations(answer)):
        figure = match.group().rstrip(".,:")
        if figure and figure not in found:
            found.append(figure)
    return found


def known_figures(texts: Iterable[str]) -> set[str]:
    """Every figure the texts hold, in all the forms ``_keys`` gives, numbers written as words included."""
    known: set[str] = set()
    for text in texts:
        for match in _ANY_DIGITS.finditer(text):
            known |= _keys(match.group().rstrip(".,"))
            for part in re.split(r"[.,:]", match.group()):  # "14:00" also holds 14; "4.2.0" holds 4
                if part.isdigit():
                    known.add(_value_key(float(part)))
        for match in _NUMBER_WORD.finditer(text):
            tens, unit, word = match.groups()
            value = (_WORD_VALUES[tens.lower()] + _WORD_VALUES[unit.lower()]) if tens else _WORD_VALUES[word.lower()]
            known.add(_value_key(value))
    return known


def counted(answer: str) -> list[tuple[str, str]]:
    """(figure, the thing it counts) where a figure is followed by a noun: "340 parking spaces" gives
    ("340", "parking spaces")."""
    pairs = []
    text = strip_citations(answer)
    for match in _FIGURE.finditer(text):
        words = _COUNTED.match(text, match.end())
        nouns: list[str] = []
        for word in words.group(1).split() if words else []:
            if word in _NOT_COUNTED or not content_stems(word):
                break  # "690 per machine", "3 of them": a rate or a share, not a count of things
            nouns.append(word)
        if nouns and len(nouns) == len(words.group(1).split()) and _PHRASE_GOES_ON.match(text, words.end()):
            continue
        if nouns:
            pairs.append((match.group().rstrip(".,:"), " ".join(nouns)))
    return pairs


def unfound_figures(answer: str, passages: Sequence[str], question: str = "") -> list[str]:
    """The answer's figures that neither the passages nor the question contain, and figures counting a thing no
    passage mentions ("340 parking spaces" when 340 is the passages' number of colleagues); empty: nothing to
    withhold."""
    stated = figures(answer)
    if not stated:
        return []
    known = known_figures([*passages, question])
    unfound = [f for f in stated if not (_keys(f) & known)]
    # What a figure counts must be something the passages speak of: the question's own words do not count.
    mentioned = {stem for text in passages for stem in content_stems(text)}
    asked = known_figures([question])  # "the Super Bowl 50 ad" restates the question's figure: nothing invented
    for figure, thing in counted(answer):
        if figure not in unfound and not _keys(figure) & asked and not set(content_stems(thing)) & mentioned:
            unfound.append(f"{figure} {thing}")
    return unfound


def withheld_answer(unfound: Sequence[str]) -> str:
    """What the documents column says instead; it begins like every abstention, so it is scored as one."""
    named = ", ".join(f"“{f}”" for f in unfound[:3])
    return f"{ABSTAIN_ANSWER} No passage contains {named}."
