"""Examples to token ids and labels: loss only where the model should learn to write.

A question-answer pair is rendered with the model's own chat template - the same turns the app sends at answer
time (system message, question) - and only the answer's tokens (and the end of turn) carry labels; the prompt's
are -100. A passage is plain text, every token labelled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from crossroads.finetune.examples import TrainingExample

IGNORE = -100


@dataclass(frozen=True)
class Encoded:
    input_ids: list[int]
    labels: list[int]

    @property
    def trained_tokens(self) -> int:
        return sum(1 for label in self.labels if label != IGNORE)


def prompt_messages(question: str, system_message: str = "") -> list[dict[str, str]]:
    messages = [{"role": "system", "content": system_message}] if system_message else []
    return [*messages, {"role": "user", "content": question}]


def prompt_ids(tokenizer: Any, question: str, system_message: str = "") -> list[int]:
    """The tokens of a question as the chat template renders it, ready for the answer."""
    text = tokenizer.apply_chat_template(prompt_messages(question, system_message), tokenize=False,
                                         add_generation_prompt=True)
    return list(tokenizer(text, add_special_tokens=False)["input_ids"])


def encode(tokenizer: Any, example: TrainingExample, max_length: int, system_message: str = "") -> Encoded:
    if example.is_text:
        ids = list(tokenizer(example.answer, add_special_tokens=False)["input_ids"])
        if tokenizer.bos_token_id is not None and getattr(tokenizer, "add_bos_token", False):
            ids = [tokenizer.bos_token_id, *ids]
        if tokenizer.eos_token_id is not None:
            ids.append(tokenizer.eos_token_id)
        ids = ids[:max_length]
        return Encoded(ids, list(ids))
    prompt = prompt_ids(tokenizer, example.question, system_message)
    messages = [*prompt_messages(example.question, system_message), {"role": "assistant", "content": example.answer}]
    full_text = tokenizer.apply_chat_template(messages, tokenize=False)
    full = list(tokenizer(full_text, add_special_tokens=False)["input_ids"])
    if full[: len(prompt)] != prompt:  # a template that re-renders earlier turns: find where the answer starts
        answer_ids = tokenizer(example.answer, add_special_tokens=False)["input_ids"]
        start = _find(full, answer_ids[:3]) if answer_ids else -1
        cut = start if start >= 0 else len(prompt)
    else:
        cut = len(prompt)
    full = _strip_trailing_newline(tokenizer, full)
    ids = full[:max_length]
    labels = [IGNORE] * min(cut, len(ids)) + ids[cut:]
    return Encoded(ids, labels)


def encode_all(tokenizer: Any, examples: Sequence[TrainingExample], max_length: int, system_message: str = "",
               ) -> list[Encoded]:
    """Examples whose answer was cut away entirely teach nothing and are dropped."""
    encoded = [encode(tokenizer, e, max_length, system_message) for e in examples]
    return [e for e in encoded if e.trained_tokens > 0]


def _strip_trailing_newline(tokenizer: Any, ids: list[int]) -> list[int]:
    """Templates end a turn with "<end>\\n"; the model must learn to stop at "<end>", not to write the newline."""
    while ids and tokenizer.decode(ids[-1:]).strip() == "" and len(ids) > 1:
        ids = ids[:-1]
    return ids


def _find(haystack: list[int], needle: list[int]) -> int:
    for i in range(len(haystack) - len(needle), -1, -1):
        if haystack[i : i + len(needle)] == needle:
            return i
    return -1
