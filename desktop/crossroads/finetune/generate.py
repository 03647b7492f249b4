"""Training pairs made by the loaded chat model: questions about each passage, and its own general answers.

The published recipe for teaching facts by fine-tuning is many paraphrases of each fact, so each passage gets
several questions worded differently. A small model writes untidy lists and sometimes answers from elsewhere: the
parser takes "Q:/A:" pairs in any of the usual spellings, and a pair whose answer the passage does not support
is dropped. The general examples are the model's own answers to everyday questions (asked at data-build time,
offline): trained on alongside, they keep it answering other questions as before.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from crossroads.cancel import NEVER, CancelToken
from crossroads.engine.chat_template import Message
from crossroads.engine.events import SamplingParams, SequenceDone
from crossroads.finetune.examples import TrainingExample, normalise

if TYPE_CHECKING:
    from crossroads.engine.llama_engine import LlamaEngine

GENERAL_QUESTIONS = Path(__file__).with_name("general_questions.json")
_QA_PROMPT = (
    "Read the passage, then write {n} different questions that the passage answers, each followed by its short "
    "answer taken from the passage. Word the questions differently from each other. Use exactly this format:\n"
    "Q: question\nA: answer\n\nPassage:\n{passage}"
)
_Q = re.compile(r"^\s*(?:[-*\d.)\s]*)(?:\*\*)?\s*(?:q|question)\s*\d*\s*[:.)-]\s*(?:\*\*)?\s*(.+)$", re.IGNORECASE)
_A = re.compile(r"^\s*(?:[-*\s]*)(?:\*\*)?\s*(?:a|answer)\s*\d*\s*[:.)-]\s*(?:\*\*)?\s*(.+)$", re.IGNORECASE)
_STOP = frozenset((
    "a", "an", "the", "of", "to", "in", "on", "at", "by", "for", "with", "and", "or", "is", "are", "was", "were",
    "be", "been", "it", "its", "this", "that", "these", "those", "as", "from", "what", "which", "who", "whom",
    "whose", "when", "where", "why", "how", "does", "do", "did", "can", "could", "will", "would", "should", "may",
    "might", "there", "their", "they", "he", "she", "his", "her", "you", "your", "we", "our", "i",
))


def parse_pairs(text: str) -> list[tuple[str, str]]:
    """(question, answer) pairs from "Q: … / A: …" lines, numbered or bulleted, bold or not; others ignored."""
    pairs: list[tuple[str, str]] = []
    question: str | None = None
    for line in text.splitlines():
        line = line.replace("**", "").strip()
        if not line:
            continue
        if (q := _Q.match(line)) is not None:
            question = q.group(1).strip()
            if "?" in question and re.search(r"\bA\s*:", question):  # "Q: …? A: …" on one line
                question, _, rest = question.partition("?")
                question += "?"
                answer = re.sub(r"^\s*A\s*:\s*", "", rest).strip()
                if answer:
                    pairs.append((question, answer))
                    question = None
            continue
        if (a := _A.match(line)) is not None and question:
            answer = a.group(1).strip()
            if answer:
                pairs.append((question, answer))
            question = None
    return [(q, a) for q, a in pairs if len(q) > 3 and q != a]


def supported(answer: str, passage: str, min_share: float = 0.6) -> bool:
    """Most of the answer's content words occur in the passage (after the same normalisation)."""
    words = [w for w in normalise(answer).split() if w not in _STOP]
    if not words:
        return False
    present = set(normalise(passage).split())
    return sum(1 for w in words if w in present) / len(words) >= min_share


def qa_from_passages(
    engine: LlamaEngine,
    passages: Sequence[str],
    per_passage: int = 4,
    params: SamplingParams | None = None,
    cancel: CancelToken = NEVER,
    on_progress: Callable[[int, int, int], None] | None = None,
) -> list[TrainingExample]:
    """Several supported question-answer pairs per passage; duplicates (after normalisation) are dropped."""
    params = params or SamplingParams(max_tokens=64 * per_passage + 64, temperature=0.0)
    seen: set[str] = set()
    out: list[TrainingExample] = []
    for index, passage in enumerate(passages, start=1):
        if cancel.cancelled:
            break
        text = _ask(engine, [Message("user", _QA_PROMPT.format(n=per_passage, passage=passage.strip()))], params,
                    cancel)
        for question, answer in parse_pairs(text):
            key = normalise(question)
            if key in seen or not supported(answer, passage):
                continue
            seen.add(key)
            out.append(TrainingExample(question, answer, "generated"))
        if on_progress is not None:
            on_progress(index, len(passages), len(out))
    return out


def general_questions(path: Path = GENERAL_QUESTIONS) -> list[str]:
    return [q for q in json.loads(path.read_text(encoding="utf-8")) if isinstance(q, str) and q.strip()]


def general_examples(
    engine: LlamaEngine,
    questions: Iterable[str],
    system_message: str = "",
    params: SamplingParams | None = None,
    cancel: CancelToken = NEVER,
) -> list[TrainingExample]:
    """The model's own answers, asked the way the app asks (same system message), so training keeps them."""
    params = params or SamplingParams(max_tokens=96, temperature=0.0)
    out = []
    for question in questions:
        if cancel.cancelled:
            break
        messages = [Message("system", system_message)] if system_message else []
        answer = _ask(engine, [*messages, Message("user", question)], params, cancel).strip()
        if answer:
            out.append(TrainingExample(question, answer, "general"))
    return out


def _ask(engine: LlamaEngine, messages: list[Message], params: SamplingParams, cancel: CancelToken) -> str:
    for event in engine.generate([messages], params, cancel):
        if isinstance(event, SequenceDone):
            return event.text
    return ""
