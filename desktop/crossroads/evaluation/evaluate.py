"""Run a question set through every mode and score it: the numbers behind "RAG helps here" (or doesn't).

Input is JSONL (one ``{"question": str, "answers": [str, ...]}`` per line; ``answers`` optional) or CSV with
``question`` and optional ``answers`` columns (several answers separated by ``|``). Scores follow SQuAD's
conventions (see metrics); "contained" is the fair headline for generated answers longer than a span.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crossroads.cancel import NEVER, CancelToken
from crossroads.compare import MODES, Answer, check_modes, parse_modes, run_comparison
from crossroads.engine.events import SamplingParams
from crossroads.errors import Cancelled, CrossroadsError, InputError

if TYPE_CHECKING:
    from crossroads.engine.protocol import Engine
    from crossroads.rag.embedding import Embedder
    from crossroads.store import KnowledgeBase

log = logging.getLogger(__name__)

SCORES = ("exact_match", "f1", "contained", "retrieval_hit", "abstained", "grounded_share", "k_precision")
"""Means per mode. ``retrieval_hit`` tells a search miss from a reading miss; ``abstained`` counts refusals."""


@dataclass(frozen=True)
class QAItem:
    question: str
    answers: tuple[str, ...] = ()


@dataclass
class QuestionResult:
    item: QAItem
    answers: list[Answer]
    error: str | None = None  # why this question has no answers; the evaluation went on without it

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.item.question,
            "gold": list(self.item.answers),
            "error": self.error,
            "answers": [
                {
                    "mode": a.mode,
                    "adapter": a.adapter,
                    "text": a.text,
                    "metrics": a.metrics,
                    "wall_s": round(a.timings.wall_s, 4),
                    "ttft_s": round(a.timings.ttft_s, 4),
                    "sources": [{"rank": s.rank, "document": s.document, "page": s.page} for s in a.sources],
                }
                for a in self.answers
            ],
        }


@dataclass
class Evaluation:
    model: str
    modes: list[str]
    results: list[QuestionResult] = field(default_factory=list)
    seconds: float = 0.0
    adapter: str | None = None  # the fine-tuned adapter's path, when a fine-tuned mode was evaluated

    def summary(self) -> dict[str, dict[str, float | int | None]]:
        """Per mode: the mean of each score over the questions that have it, and median latencies."""
        out: dict[str, dict[str, float | int | None]] = {}
        for mode in self.modes:
            answers = [a for r in self.results for a in r.answers if a.mode == mode]
            row: dict[str, float | int | None] = {"questions": len(answers)}
            for score in SCORES:
                values = [a.metrics[score] for a in answers if a.metrics.get(score) is not None]
                row[score] = round(statistics.fmean(values), 4) if values else None
            walls = [a.timings.wall_s for a in answers]
            firsts = [a.timings.ttft_s for a in answers]
            speeds = [a.timings.tokens_per_s for a in answers if a.timings.tokens_per_s > 0]
            words = [a.metrics["words"] for a in answers if a.metrics.get("words") is not None]
            row["median_words"] = round(statistics.median(words), 1) if words else None
            row["median_wall_s"] = round(statistics.median(walls), 3) if walls else None
            row["median_ttft_s"] = round(statistics.median(firsts), 3) if firsts else None
            row["median_tokens_per_s"] = round(statistics.median(speeds), 2) if speeds else None
            out[mode] = row
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "modes": self.modes,
            "adapter": self.adapter,
            "seconds": round(self.seconds, 2),
            "summary": self.summary(),
            "questions": [r.to_dict() for r in self.results],
        }


def load_questions(path: Path) -> list[QAItem]:
    """Read JSONL or CSV; a malformed line is reported with its number, and nothing is half-loaded."""
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise InputError(f"The question file {path.name} does not exist.") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"The question file {path.name} could not be read as UTF-8 text.") from exc
    items = _parse_csv(raw, path.name) if path.suffix.lower() == ".csv" else _parse_jsonl(raw, path.name)
    if not items:
        raise InputError(f"The question file {path.name} has no questions.")
    return items


def _parse_jsonl(raw: str, name: str) -> list[QAItem]:
    items = []
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"Line {number} of {name} is not valid JSON ({exc.msg}).") from exc
        question = record.get("question") if isinstance(record, dict) else None
        if not isinstance(question, str) or not question.strip():
            raise InputError(f'Line {number} of {name} needs a "question" text.')
        answers = record.get("answers", [])
        if isinstance(answers, str):
            answers = [answers]
        if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
            raise InputError(f'Line {number} of {name}: "answers" must be a list of texts.')
        items.append(QAItem(record["question"].strip(), tuple(a for a in answers if a.strip())))
    return items


def _parse_csv(raw: str, name: str) -> list[QAItem]:
    reader = csv.DictReader(io.StringIO(raw))
    if not reader.fieldnames or "question" not in [f.strip().lower() for f in reader.fieldnames]:
        raise InputError(f'{name} needs a header row with a "question" column (and optionally "answers").')
    items = []
    for row in reader:
        row = {k.strip().lower(): _plain_cell(v or "") for k, v in row.items() if k}
        if row["question"].strip():
            golds = tuple(a.strip() for a in row.get("answers", "").split("|") if a.strip())
            items.append(QAItem(row["question"].strip(), golds))
    return items


def _plain_cell(text: str) -> str:
    """Undo the apostrophe a saved CSV puts before a cell that a spreadsheet would read as a formula."""
    return text[1:] if text.startswith("'") and text[1:2] in ("=", "+", "-", "@", "\t", "\r") else text


def evaluate(
    items: Sequence[QAItem],
    engine: Engine,
    modes: Sequence[str],
    *,
    kb: KnowledgeBase | None = None,
    embedder: Embedder | None = None,
    top_k: int = 4,
    params: SamplingParams = SamplingParams(),
    cancel: CancelToken = NEVER,
    on_result: Callable[[int, int, QuestionResult], None] | None = None,
) -> Evaluation:
    """Answer every question in every mode; a cancel keeps the results so far."""
    modes = parse_modes(modes)  # refused before any work, and "plain,rag" is two modes, not nine letters
    tuned = any(MODES[m].uses_adapter for m in modes)
    if tuned:  # no adapter: refused now, not once per question
        check_modes(modes, has_documents=True, has_adapter=engine.finetuned is not None)
    evaluation = Evaluation(engine.name, modes, adapter=engine.finetuned if tuned else None)
    began = time.perf_counter()
    for index, result in enumerate(_run(items, engine, modes, kb, embedder, top_k, params, cancel), start=1):
        evaluation.results.append(result)
        if on_result is not None:
            on_result(index, len(items), result)
    evaluation.seconds = time.perf_counter() - began
    return evaluation


def _run(items, engine, modes, kb, embedder, top_k, params, cancel) -> Iterator[QuestionResult]:  # type: ignore[no-untyped-def]
    for item in items:
        if cancel.cancelled:
            return
        try:
            comparison = run_comparison(
                item.question, engine, modes, kb=kb, embedder=embedder, top_k=top_k, params=params,
                golds=item.answers or None, cancel=cancel,
            )
        except Cancelled:  # cancelled while the passages were looked up: the questions answered so far stay
            return
        except Exception as exc:  # one question's failure is recorded with it and does not lose the others
            yield QuestionResult(item, [], error=_failure(exc))
            continue
        if any(a.finish_reason == "cancelled" for a in comparison.answers):
            return
        yield QuestionResult(item, comparison.answers)


def _failure(exc: Exception) -> str:
    if isinstance(exc, CrossroadsError):
        return exc.message
    log.error("a question of the evaluation failed", exc_info=exc)
    return f"Crossroads could not answer this question because of an internal problem ({type(exc).__name__}: {exc})."
