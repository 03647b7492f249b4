"""Whether the documents can answer a question at all, decided from the knowledge base rather than by the model.

A small model told "if the sources do not answer it, say so" refuses questions its passages plainly answer (one
SQuAD answer in eight, and five of the demo's fourteen), and still invents answers about things the documents never
mention. One signal is both cheap and certain: a name or a number the question is about (a product, a person's
title, a year) that no document in the knowledge base contains. Then no passage can hold the answer, whatever
retrieval found, and the documents column says so, naming what is missing, instead of asking the model.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable

from crossroads.rag.prompting import ABSTAIN_ANSWER

# A capitalised word (or an acronym) inside the question, or a number; "Brellvik's" gives "Brellvik", and each
# capitalised part of "Mercedes-Benz" counts alone (but "Bowl-related" is only "Bowl").
_NAME = re.compile(r"(?<![\w'’])(?:[A-Z]\w*(?:['’][A-Za-z]+)?|\d+(?:[.,:/-]\d+)*)")
_POSSESSIVE = re.compile(r"['’]s$")
# "TV", "RB", "TDs": two-letter abbreviations are often written out in the documents ("television").
_SHORT_ABBREVIATION = re.compile(r"[A-Z]{1,2}s?")
# Capitalised for grammar, not because they name something.
_NOT_NAMES_TEXT = """
i what which who whom whose when where why how is are was were do does did can could should would will may might
must in on at for of to by from with and or the a an if please tell give list name
"""
_NOT_NAMES = frozenset(_NOT_NAMES_TEXT.split())
MIN_TYPO_LENGTH = 6  # letters; see ``misspelt_as``


def specific_terms(question: str) -> list[str]:
    """Names and numbers the question hangs on: capitalised words after the first word, acronyms, figures."""
    terms: list[str] = []
    text = question.strip()
    for match in _NAME.finditer(text):
        word = _POSSESSIVE.sub("", match.group())
        if match.start() == 0 and not word[:1].isdigit() and not word.isupper():
            continue  # the question's first word is capitalised anyway
        if word.casefold() in _NOT_NAMES or _SHORT_ABBREVIATION.fullmatch(word):
            continue
        if word not in terms:
            terms.append(word)
    return terms


def missing_terms(question: str, mentions: Callable[[Iterable[str]], set[str]]) -> list[str]:
    """The question's names and numbers that no document mentions (``mentions`` returns those found), in none
    of their one-typo spellings either."""
    terms = specific_terms(question)
    if not terms:
        return []
    found = mentions(terms)
    return [t for t in terms if t not in found and not mentions(misspelt_as(t))]


def misspelt_as(word: str) -> list[str]:
    """What a long word may have been meant as: one letter left out, added, changed or two swapped, or two words
    run together ("Merceds" for "Mercedes", "Superbowl" for "Super Bowl").

    A typo in a long name should not make the documents column decline: the question is about what the documents
    hold. Short words are left as they are: one letter away from a three- or four-letter name is nearly every
    other short word, and a made-up product ("Nimbus 9") must still be found missing."""
    if len(word) < MIN_TYPO_LENGTH or not word.isascii() or not word.isalpha():
        return []
    w = word.lower()
    letters = string.ascii_lowercase
    splits = [(w[:i], w[i:]) for i in range(len(w) + 1)]
    spellings = {a + b[1:] for a, b in splits if b}
    spellings |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    spellings |= {a + c + b[1:] for a, b in splits if b for c in letters}
    spellings |= {a + c + b for a, b in splits for c in letters}
    spellings |= {f"{a} {b}" for a, b in splits if len(a) >= 3 and len(b) >= 3}
    spellings.discard(w)
    return sorted(spellings)


def not_in_documents_answer(missing: list[str]) -> str:
    """The documents column's answer when the knowledge base cannot hold one; it begins like every abstention."""
    named = ", ".join(f"“{t}”" for t in missing[:3])
    return f"{ABSTAIN_ANSWER} No document mentions {named}."
