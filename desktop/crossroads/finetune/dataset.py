"""The Fine-tune tab's data step without Qt: which sources the user chose, and the examples they make.

The sources are read in the order that fails fastest: the user's Q&A file first (a bad file is reported before
any minute is spent generating), then the questions the loaded model writes about the passages, the passages'
own text, and last the general examples, whose default count follows from the others (about a fifth).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from crossroads.cancel import NEVER, CancelToken
from crossroads.errors import Cancelled, InputError, ModelError
from crossroads.finetune.examples import TrainingExample, passage_examples, read_pairs

if TYPE_CHECKING:
    from crossroads.engine.llama_engine import LlamaEngine

SOURCE_LABELS = {"generated": "Written by the model", "user": "Your Q&A file", "passage": "Passage text",
                 "general": "General"}
AUTO = -1  # general examples: about a fifth of the others


@dataclass(frozen=True)
class DataChoice:
    """What the user ticked in the data step."""

    generated: bool = True  # questions written by the loaded model about each passage
    per_passage: int = 4
    qa_file: Path | None = None  # the user's own pairs (CSV or JSONL)
    passages: bool = False  # the passages' text as continued pre-training
    general: int = AUTO  # general examples to mix in; AUTO: about a fifth of the others
    validation_share: float = 0.15

    @property
    def needs_passages(self) -> bool:
        return self.generated or self.passages

    @property
    def needs_model(self) -> bool:
        return self.generated or self.general != 0

    def check(self, has_kb: bool, has_model: bool) -> None:
        """Refuse, in words, a choice that cannot make data, before anything slow starts."""
        if not (self.generated or self.passages or self.qa_file is not None):
            raise InputError("Choose what to train on: questions written from your documents, your own Q&A file, "
                             "or the documents' text.")
        if self.needs_passages and not has_kb:
            raise InputError("Open a knowledge base with documents in the Library first: the questions and the "
                             "passage text come from its documents. Or train on your own Q&A file only.")
        if self.needs_model and not has_model:
            raise ModelError("Load a model in the model bar first: it writes the questions and the general "
                             "answers, and it is the model that gets fine-tuned.")
        if not 0 <= self.validation_share < 0.9:
            raise InputError("The held-out share must be between 0 and 90 %.")
        if self.per_passage < 1:
            raise InputError("Ask for at least one question per passage.")


@dataclass(frozen=True)
class Progress:
    """One step of data preparation, for a progress bar: ``done`` of ``total`` in ``stage``."""

    stage: str
    done: int
    total: int
    found: int  # examples made so far in this stage


def general_count(choice: DataChoice, others: int, available: int) -> int:
    wanted = choice.general if choice.general >= 0 else max(2, round(others / 4))  # a fifth of the total
    return max(0, min(wanted, available))


def build_examples(
    choice: DataChoice,
    passages: Sequence[str],
    engine: LlamaEngine | None,
    system_message: str = "",
    general_questions: Sequence[str] | None = None,
    cancel: CancelToken = NEVER,
    on_progress: Callable[[Progress], None] | None = None,
) -> list[TrainingExample]:
    """The examples of every chosen source, in the order user, generated, passage, general."""
    from crossroads.finetune import generate

    report = on_progress or (lambda _p: None)
    examples: list[TrainingExample] = []
    if choice.qa_file is not None:
        examples += [TrainingExample(e.question, e.answer, "user") for e in read_pairs(choice.qa_file)]
    if choice.needs_passages and not passages:
        raise InputError("The knowledge base has no passages yet: add documents in the Library first.")
    if choice.generated:
        if engine is None:
            raise ModelError("Load a model in the model bar first: it writes the questions.")
        report(Progress("Writing questions about the passages", 0, len(passages), 0))
        examples += generate.qa_from_passages(
            engine, passages, choice.per_passage, cancel=cancel,
            on_progress=lambda i, n, found: report(Progress("Writing questions about the passages", i, n, found)))
        cancel.raise_if_cancelled()
    if choice.passages:
        examples += passage_examples(passages)
    if not examples:
        raise InputError("No usable training examples came out of the chosen sources. The model wrote no "
                         "question that its passage supports; try more questions per passage or a Q&A file.")
    questions = list(general_questions if general_questions is not None else generate.general_questions())
    wanted = general_count(choice, len(examples), len(questions))
    if wanted:
        if engine is None:
            raise ModelError("Load a model in the model bar first: it answers the general questions.")
        made: list[TrainingExample] = []
        for index, question in enumerate(questions[:wanted], start=1):
            made += generate.general_examples(engine, [question], system_message, cancel=cancel)
            cancel.raise_if_cancelled()
            report(Progress("Answering general questions", index, wanted, len(made)))
        examples += made
    if cancel.cancelled:
        raise Cancelled()
    return examples


def kb_passages(kb: object) -> list[str]:
    """Every passage of a knowledge base, document by document (the store's ``KnowledgeBase``)."""
    return [c.text for d in kb.documents() for c in kb.document_chunks(d.id)]  # type: ignore[attr-defined]


def counts(examples: Iterable[TrainingExample]) -> Counter[str]:
    return Counter(e.source for e in examples)


def counts_text(examples: Sequence[TrainingExample], included: int | None = None) -> str:
    """"14 examples: 10 written by the model, 4 general" (and how many are left out, if any)."""
    c = counts(examples)
    parts = [f"{n} {SOURCE_LABELS.get(s, s).lower()}" for s, n in sorted(c.items(), key=lambda kv: -kv[1])]
    text = f"{len(examples)} example{'s' if len(examples) != 1 else ''}"
    if parts:
        text += ": " + ", ".join(parts)
    if included is not None and included != len(examples):
        text += f" ({len(examples) - included} left out)"
    return text


def check_trainable(examples: Sequence[TrainingExample]) -> None:
    """General examples only keep the model as it was: there must be something of the user's to learn."""
    if not examples:
        raise InputError("There is nothing to train on. Prepare the data first, and keep at least one row ticked.")
    if not [e for e in examples if e.source != "general"]:
        raise InputError("Only general examples are ticked: tick some of the questions about your documents.")
    if any(not e.answer.strip() for e in examples):
        raise InputError("Some ticked rows have no answer. Write one, or untick the row.")


def default_name(base: str, taken: Iterable[str]) -> str:
    """The knowledge base's name, made unique against the kept adapters ("acme", "acme 2", …)."""
    from crossroads.finetune.runs import check_name

    try:
        stem = check_name(base or "adapter")
    except InputError:
        stem = "adapter"
    used = {t.casefold() for t in taken}
    if stem.casefold() not in used:
        return stem
    n = 2
    while f"{stem} {n}".casefold() in used:
        n += 1
    return f"{stem} {n}"
