"""Saving an evaluation (CSV, JSON) and a typed question set (JSONL), so a consultant can hand the numbers over.

The CSV has one row per question and mode — the shape a spreadsheet pivots easily — and is written as UTF-8
with a byte-order mark so Excel shows "€" and accents correctly. The JSON is ``Evaluation.to_dict()`` as is.
Every text cell that a spreadsheet would read as a formula (it starts with = + - @, a tab or a carriage return) gets
a leading apostrophe, as OWASP advises against CSV injection: an answer or a document can contain anything, and
"=HYPERLINK(...)" must stay text when the client opens the file. Numbers are written as numbers.
Files are written to a temporary name and then moved into place, so a failed save never leaves half a file
where a good one was.
"""

from __future__ import annotations

import csv
import io
import json
import os
import uuid
from pathlib import Path
from typing import Any

from crossroads.compare import MODES
from crossroads.errors import InputError
from crossroads.evaluation.evaluate import Evaluation, QAItem

CSV_COLUMNS = (
    "number", "question", "expected_answers", "mode", "mode_label", "answer", "contained", "exact_match", "f1",
    "grounded_share", "k_precision", "wall_s", "ttft_s", "tokens_per_s", "completion_tokens", "finish_reason",
    "sources", "error",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ANSWER_SEPARATOR = " | "  # the same bar the CSV question format splits expected answers on


def csv_rows(evaluation: Evaluation) -> list[dict[str, Any]]:
    """One row per question × mode; a figure that does not apply (no expected answer) is left empty."""
    rows = []
    for number, result in enumerate(evaluation.results, start=1):
        if result.error is not None:  # a question that failed: one row that says why
            rows.append({
                "number": number, "question": result.item.question,
                "expected_answers": ANSWER_SEPARATOR.join(result.item.answers), "error": result.error,
            })
        for answer in result.answers:
            metrics = answer.metrics
            rows.append({
                "number": number,
                "question": result.item.question,
                "expected_answers": ANSWER_SEPARATOR.join(result.item.answers),
                "mode": answer.mode,
                "mode_label": MODES[answer.mode].label if answer.mode in MODES else answer.mode,
                "answer": answer.text,
                **{k: _number(metrics.get(k)) for k in ("contained", "exact_match", "f1", "grounded_share",
                                                        "k_precision")},
                "wall_s": round(answer.timings.wall_s, 4),
                "ttft_s": round(answer.timings.ttft_s, 4),
                "tokens_per_s": round(answer.timings.tokens_per_s, 2),
                "completion_tokens": answer.timings.completion_tokens,
                "finish_reason": answer.finish_reason,
                "sources": "; ".join(s.label() for s in answer.sources),
                "error": "",
            })
    return rows


def safe_cell(value: Any) -> Any:
    """A text that a spreadsheet would run as a formula, made plain text; anything else as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(evaluation: Evaluation, path: Path) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({k: safe_cell(v) for k, v in row.items()} for row in csv_rows(evaluation))
    _write_atomically(path, buffer.getvalue(), encoding="utf-8-sig")


def write_json(evaluation: Evaluation, path: Path) -> None:
    _write_atomically(path, json.dumps(evaluation.to_dict(), ensure_ascii=False, indent=2) + "\n")


def write_questions(items: list[QAItem], path: Path) -> None:
    """Save a typed question set as JSONL (or CSV for a ``.csv`` name) that ``load_questions`` reads back."""
    if path.suffix.lower() == ".csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(["question", "answers"])
        writer.writerows([safe_cell(item.question), safe_cell(ANSWER_SEPARATOR.join(item.answers))] for item in items)
        _write_atomically(path, buffer.getvalue(), encoding="utf-8-sig")
        return
    lines = [json.dumps({"question": i.question, "answers": list(i.answers)}, ensure_ascii=False) for i in items]
    _write_atomically(path, "".join(line + "\n" for line in lines))


def _number(value: Any) -> float | str:
    return "" if value is None else round(float(value), 4)


def _write_atomically(path: Path, text: str, encoding: str = "utf-8") -> None:
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")  # opened normally: the usual permissions
    try:
        with open(tmp, "x", encoding=encoding, newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"{path.name} could not be saved in {path.parent}: {exc.strerror or exc}.") from exc
