"""Results of the Evaluate and Compare features, turned into what the decision and its report read.

The evaluation harness speaks in its own terms (``Evaluation.summary()`` / ``to_dict()``: modes "plain", "rag",
"finetuned", metrics "exact_match", "median_wall_s"…); the decision reads the measured-results format
(``crossroads.decision.measured``) and the report reads plain rows. Translating here keeps both sides unchanged
and lets the app hand over whatever it has without knowing either format.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from crossroads.decision.measured import MODES, Measured
from crossroads.errors import InputError

MODE_NAMES = {
    "plain": "plain",
    "rag": "rag",
    "finetuned": "fine_tuned",
    "fine_tuned": "fine_tuned",
    "finetuned+rag": "fine_tuned_rag",
    "finetuned_rag": "fine_tuned_rag",
    "fine_tuned_rag": "fine_tuned_rag",
}
"""Evaluation mode -> measured mode. Fine-tuned modes are listed now so they count the day they exist."""

METRIC_NAMES = {
    "contained": "contained",
    "f1": "f1",
    "exact_match": "em",
    "em": "em",
    "token_recall": "token_recall",
    "grounded_share": "grounded_share",
    "k_precision": "k_precision",
    # The median is the evaluation's robust per-answer time; one slow first answer should not decide.
    "median_wall_s": "latency_s",
    "latency_s": "latency_s",
}
"""Evaluation metric -> measured metric; anything else (token speeds, first-token times) stays out of the decision."""


def _summary_of(evaluation: Mapping[str, Any]) -> Mapping[str, Any]:
    """The per-mode summary, from either ``Evaluation.summary()`` or ``Evaluation.to_dict()``."""
    summary = evaluation.get("summary", evaluation)
    if not isinstance(summary, Mapping):
        raise InputError("The evaluation results have no summary per mode, so they cannot inform the decision.")
    return summary


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def measured_from_evaluation(evaluation: Mapping[str, Any]) -> Measured:
    """Measured results from an evaluation run: its modes, scores and median latency, on the questions answered.

    The count is the smallest number of questions any mode answered, so a run cancelled half-way through one mode
    is not taken for more evidence than it holds. Modes the decision does not know are left out.
    """
    summary = _summary_of(evaluation)
    modes: dict[str, dict[str, float]] = {}
    counts: list[int] = []
    for name, row in summary.items():
        mode = MODE_NAMES.get(str(name).lower())
        if mode is None or not isinstance(row, Mapping):
            continue
        metrics = {METRIC_NAMES[k]: float(v) for k, v in row.items() if k in METRIC_NAMES and _number(v)}
        n = row.get("questions")
        if _number(n) and n > 0:
            counts.append(int(n))
            modes[mode] = metrics
    if not counts:
        raise InputError(
            "The evaluation has no answered questions in a mode the decision can use (model only, model + your "
            "documents), so it cannot inform the recommendation yet."
        )
    return Measured.from_dict({"questions": min(counts), "modes": {m: modes[m] for m in MODES if m in modes}})


def evaluation_for_report(evaluation: Mapping[str, Any]) -> dict[str, Any]:
    """The report's evaluation section data: measured figures plus one row per question and mode.

    Data already in the report's format (``"modes"`` mapping each mode to its metrics) is returned unchanged.
    """
    if isinstance(evaluation.get("modes"), Mapping) and "summary" not in evaluation:
        return dict(evaluation)
    data = measured_from_evaluation(evaluation).to_dict()
    rows = []
    for item in _records(evaluation.get("questions")):
        for answer in _records(item.get("answers")):
            rows.append(
                {
                    "question": str(item.get("question", "")),
                    "mode": MODE_NAMES.get(str(answer.get("mode", "")).lower(), answer.get("mode", "?")),
                    "answer": str(answer.get("text", "")),
                    "metrics": _report_metrics(answer.get("metrics")),
                }
            )
    if rows:
        data["rows"] = rows
    return data


def comparisons_for_report(comparisons: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``Comparison.to_dict()`` items as the report lists them: sources as "document, page N", not records.

    The report prints each source as text; a source record would print its whole passage.
    """
    out = []
    for item in comparisons:
        answers = [
            {
                "mode": MODE_NAMES.get(str(a.get("mode", "")).lower(), a.get("mode", "?")),
                "text": str(a.get("text", a.get("answer", ""))),
                "metrics": _report_metrics(a.get("metrics")),
                "sources": [source_label(s) for s in _list(a.get("sources"))],
            }
            for a in _records(item.get("answers"))
        ]
        out.append({"question": str(item.get("question", "")), "answers": answers})
    return out


def source_label(source: Any) -> str:
    """A source as the Compare tab cites it (``Source.label``): "policy.pdf, page 4", or its heading."""
    if not isinstance(source, Mapping):
        return str(source)
    name = str(source.get("document") or source.get("path") or "?")
    page = source.get("page")
    where = f"page {page}" if page not in (None, "") else str(source.get("heading") or "")
    return f"{name}, {where}" if where else name


def _report_metrics(metrics: Any) -> dict[str, float]:
    if not isinstance(metrics, Mapping):
        return {}
    return {METRIC_NAMES[k]: float(v) for k, v in metrics.items() if k in METRIC_NAMES and _number(v)}


def _list(value: Any) -> Sequence[Any]:
    return value if isinstance(value, list | tuple) else ()


def _records(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in _list(value) if isinstance(v, Mapping)]
