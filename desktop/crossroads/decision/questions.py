"""The wizard's questions, loaded from ``questions.toml``.

A QWizard, the CLI template and the report all show the same words, and rewording or translating a question
never touches code.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

UNKNOWN = "unknown"
UNKNOWN_LABEL = "Don't know / not answered"
_QUESTIONS_FILE = Path(__file__).with_name("questions.toml")


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class Question:
    id: str
    topic: str
    topic_title: str
    prompt: str
    help: str
    title: str
    choices: tuple[Choice, ...]  # without "unknown", which every question also accepts
    default: str = UNKNOWN

    @property
    def values(self) -> tuple[str, ...]:
        """Every value an answers file may hold for this question, "unknown" first."""
        return (UNKNOWN, *(c.value for c in self.choices))

    def label(self, value: str) -> str:
        if value == UNKNOWN:
            return UNKNOWN_LABEL
        for choice in self.choices:
            if choice.value == value:
                return choice.label
        raise KeyError(value)


@cache
def questions() -> tuple[Question, ...]:
    """All questions, in wizard order."""
    data = tomllib.loads(_QUESTIONS_FILE.read_text(encoding="utf-8"))
    topics: dict[str, str] = data["topics"]
    return tuple(
        Question(
            id=q["id"],
            topic=q["topic"],
            topic_title=topics[q["topic"]],
            prompt=q["prompt"],
            help=q["help"],
            title=q["title"],
            choices=tuple(Choice(value, label) for value, label in q["values"]),
        )
        for q in data["questions"]
    )


@cache
def topics() -> tuple[tuple[str, str], ...]:
    """(topic id, page title) in wizard order: one wizard page each."""
    data = tomllib.loads(_QUESTIONS_FILE.read_text(encoding="utf-8"))
    return tuple(data["topics"].items())


def questions_by_id() -> dict[str, Question]:
    return {q.id: q for q in questions()}


def question(question_id: str) -> Question:
    return questions_by_id()[question_id]
