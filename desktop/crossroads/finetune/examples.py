"""Training examples: what the model is taught, read from the user's files or the knowledge base's passages.

A question with an empty answer is continued pre-training text (the passage itself, all of it trained on); a
question with an answer is a chat turn where only the answer's tokens carry loss.
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from crossroads.errors import InputError

SOURCES = ("user", "generated", "passage", "general")


@dataclass(frozen=True)
class TrainingExample:
    question: str  # empty for a passage trained as plain text
    answer: str
    source: str = "user"  # one of SOURCES: where the example came from, shown in the data table

    @property
    def is_text(self) -> bool:
        return not self.question

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainingExample:
        return cls(str(data.get("question", "")), str(data["answer"]), str(data.get("source", "user")))


def read_pairs(path: Path) -> list[TrainingExample]:
    """Question-answer pairs from JSONL or CSV, in the Evaluate set's format (the first answer is trained on).

    JSONL lines may also say ``"answer": "..."``; the Evaluate reader's checks and messages apply.
    """
    from crossroads.evaluation.evaluate import load_questions

    if path.suffix.lower() != ".csv":
        return _read_jsonl_pairs(path)
    items = load_questions(path)
    pairs = [TrainingExample(i.question, i.answers[0]) for i in items if i.answers]
    if not pairs:
        raise InputError(f"{path.name} has questions but no answers to train on (an 'answers' column).")
    return pairs


def _read_jsonl_pairs(path: Path) -> list[TrainingExample]:
    from crossroads.evaluation.evaluate import load_questions

    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"The training file {path.name} could not be read as UTF-8 text.") from exc
    singles: dict[int, str] = {}
    for number, line in enumerate(lines, start=1):
        try:
            record = json.loads(line) if line.strip() else None
        except json.JSONDecodeError:
            continue  # the Evaluate reader below reports it with its line number
        if isinstance(record, dict) and isinstance(record.get("answer"), str) and "answers" not in record:
            singles[number] = record["answer"]
    items = load_questions(path)
    numbered = [n for n, line in enumerate(lines, start=1) if line.strip()]
    pairs = []
    for number, item in zip(numbered, items, strict=True):
        answer = singles.get(number) or (item.answers[0] if item.answers else "")
        if answer.strip():
            pairs.append(TrainingExample(item.question, answer.strip()))
    if not pairs:
        raise InputError(f"{path.name} has questions but no answers to train on ('answer' or 'answers').")
    return pairs


def passage_examples(texts: Iterable[str], min_words: int = 8) -> list[TrainingExample]:
    """Passages as continued pre-training text; fragments too short to teach anything are left out."""
    return [TrainingExample("", t.strip(), "passage") for t in texts if len(t.split()) >= min_words]


def split(examples: Sequence[TrainingExample], validation_share: float = 0.15, seed: int = 42,
          ) -> tuple[list[TrainingExample], list[TrainingExample]]:
    """A seeded shuffle, then the held-out share (at least one example once there are three or more)."""
    shuffled = list(examples)
    random.Random(seed).shuffle(shuffled)
    if len(shuffled) < 3 or validation_share <= 0:
        return shuffled, []
    held = max(1, round(len(shuffled) * validation_share))
    return shuffled[held:], shuffled[:held]


def normalise(text: str) -> str:
    """Case, accents, punctuation and spacing removed: "What's the fee?" matches "whats the fee"."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w\s]", "", folded).split())


def overlap_with(examples: Sequence[TrainingExample], questions: Iterable[str]) -> list[TrainingExample]:
    """The training examples whose question is one of the evaluation's: a score on them would flatter the model."""
    asked = {normalise(q) for q in questions}
    asked.discard("")
    return [e for e in examples if e.question and normalise(e.question) in asked]


def write_jsonl(examples: Iterable[TrainingExample], path: Path) -> None:
    path.write_text("".join(json.dumps(e.to_dict(), ensure_ascii=False) + "\n" for e in examples), encoding="utf-8")


def read_jsonl(path: Path) -> list[TrainingExample]:
    """Examples written by ``write_jsonl`` (the job's own files, not user input)."""
    return [TrainingExample.from_dict(json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]
