"""The prompts each mode sends: one fixed system message, numbered sources within a token budget, the question.

Every mode starts with the same byte-identical system message. That keeps the comparison fair (the only difference
between "model only" and "model + your documents" is the documents) and lets the engine reuse the system message's
KV cache across questions. Sources come before the question so the question sits last, where small models heed it.

The layout is the plain "sources, question, Answer:" of a naive pipeline. Each source opens with where it comes
from ("Release-Notes.md › 4.2.0"): a passage often leaves out what its heading says (the version a release note is
about, the product a table belongs to), and the model cannot answer what it cannot see. Page numbers stay out: the
UI shows the pages. Lines a PDF wrapped mid-sentence are joined again.

The model is not asked to cite: told to "cite the source number like [1]", the 0.5B model wrote "[1]" where the
answer belonged ("the old style is known as [1]"), and it seldom cited correctly anyway. Each answer sentence is
linked to the passage that supports it by the support check instead (see ``metrics.groundedness``); a larger model
that cites on its own still gets clickable ``[n]`` links.

The model is not asked to refuse. Told "if the sources do not answer it, say so", the 0.5B default model refused
questions its passages plainly answered (5 of the demo's 14, one SQuAD answer in eight) and still invented answers
about things no document mentions. Whether the documents can answer at all is decided before generation, from the
knowledge base (see ``answerability``); ``ABSTAIN_ANSWER`` is how the documents column then says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from crossroads.engine.chat_template import Message

SYSTEM_MESSAGE = (
    "You are a careful assistant for a business. Answer the question directly and briefly, in one or two "
    "sentences. Do not make things up: if you do not know, say so."
)

ABSTAIN_ANSWER = "The documents do not say."
RAG_INSTRUCTIONS = "Answer the question based on the sources below."
_WRAPPED_LINE = re.compile(r"(?<=[^\s.:;!?])[ \t]*\n[ \t]*(?=[a-z(])")


@dataclass(frozen=True)
class SourceText:
    """What the prompt needs of a retrieved passage."""

    number: int  # 1-based, as cited in the answer
    label: str  # e.g. "price-list.xlsx, page 2": shown by the UI, not given to the model
    text: str
    origin: str = ""  # e.g. "Release-Notes.md › 4.2.0": given to the model before the passage


@dataclass(frozen=True)
class BuiltPrompt:
    messages: list[Message]
    sources: list[SourceText]  # the sources that made it into the prompt, in order
    dropped: int  # retrieved sources left out to fit the context
    truncated: bool  # the last included source was shortened to fit


def plain_prompt(question: str) -> BuiltPrompt:
    return BuiltPrompt([Message("system", SYSTEM_MESSAGE), Message("user", question.strip())], [], 0, False)


def rag_prompt(
    question: str,
    sources: Sequence[SourceText],
    count_tokens: Callable[[str], int],
    budget_tokens: int,
) -> BuiltPrompt:
    """Fit as many sources as the budget allows, best first; shorten the last one rather than drop it whole."""
    question = question.strip()
    fixed = count_tokens(SYSTEM_MESSAGE) + count_tokens(RAG_INSTRUCTIONS) + count_tokens(question) + 32
    remaining = budget_tokens - fixed
    kept: list[SourceText] = []
    truncated = False
    for source in sources:
        block = _format_source(source)
        cost = count_tokens(block) + 2
        if cost <= remaining:
            kept.append(source)
            remaining -= cost
            continue
        if remaining > 48:  # worth keeping a shortened passage
            shortened = _shorten(source, remaining - 8, count_tokens)
            if shortened is not None:
                kept.append(shortened)
                truncated = True
        break
    numbered = [SourceText(i + 1, s.label, s.text, s.origin) for i, s in enumerate(kept)]
    body = "\n\n".join(_format_source(s) for s in numbered)
    user = f"{RAG_INSTRUCTIONS}\n\nSources:\n{body}\n\nQuestion: {question}\nAnswer:"
    return BuiltPrompt(
        [Message("system", SYSTEM_MESSAGE), Message("user", user)],
        numbered,
        dropped=len(sources) - len(kept),
        truncated=truncated,
    )


def _format_source(source: SourceText) -> str:
    text = unwrap_lines(source.text.strip())
    return f"[{source.number}] {source.origin}\n{text}" if source.origin else f"[{source.number}] {text}"


def unwrap_lines(text: str) -> str:
    """Join a line break that falls inside a sentence (the next line goes on in lower case), as PDFs wrap text;
    breaks before list items, table rows and new sentences stay."""
    return _WRAPPED_LINE.sub(" ", text)


def _shorten(source: SourceText, budget: int, count_tokens: Callable[[str], int]) -> SourceText | None:
    words = source.text.split()
    low, high = 0, len(words)
    while low < high:  # the longest prefix of words that fits
        mid = (low + high + 1) // 2
        candidate = SourceText(source.number, source.label, " ".join(words[:mid]) + " …", source.origin)
        if count_tokens(_format_source(candidate)) <= budget:
            low = mid
        else:
            high = mid - 1
    if low < 8:
        return None
    return SourceText(source.number, source.label, " ".join(words[:low]) + " …", source.origin)
