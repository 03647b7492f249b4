"""Report sections for results the app hands over as plain dicts: comparisons, evaluation runs, measurements.

They take loosely shaped data on purpose (the Compare and Evaluate features own their formats); anything
missing is shown as "–" rather than failing the export.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from crossroads.decision.measured import MODE_LABELS, MODES
from crossroads.report.model import Paragraph, Section, Table

METRIC_LABELS = {
    "contained": "Contains expected answer",
    "f1": "Token F1",
    "em": "Exact match",
    "token_recall": "Token recall",
    "grounded_share": "Grounded sentences",
    "latency_s": "Seconds per answer",
}
_PERCENT = {"contained", "grounded_share", "em", "token_recall", "retrieval_hit_rate"}
EXCERPT_CHARS = 280


def metric_text(name: str, value: Any) -> str:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return "–" if value is None else str(value)
    if name in _PERCENT:
        return f"{value * 100:.0f}%"
    if name == "latency_s":
        return f"{value:.1f} s"
    return f"{value:.2f}"


def mode_label(mode: str) -> str:
    return MODE_LABELS.get(mode, mode.replace("_", " ").capitalize())


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rsplit(" ", 1)[0] + "…"


def _metrics_inline(metrics: Mapping[str, Any]) -> str:
    return "; ".join(f"{METRIC_LABELS.get(k, k)}: {metric_text(k, v)}" for k, v in metrics.items()) or "–"


def measured_table(data: Mapping[str, Any]) -> Table:
    """Modes as rows, metrics as columns, in a fixed order so reports compare across projects."""
    modes: Mapping[str, Mapping[str, Any]] = data.get("modes") or {}
    names = [m for m in METRIC_LABELS if any(m in v for v in modes.values())]
    names += sorted({k for v in modes.values() for k in v} - set(names))
    order = [m for m in MODES if m in modes] + [m for m in modes if m not in MODES]
    rows = [(mode_label(m), *(metric_text(n, modes[m].get(n)) for n in names)) for m in order]
    hit = data.get("retrieval_hit_rate")
    if hit is not None:
        rows.append((f"Retrieval hit rate: {metric_text('retrieval_hit_rate', hit)}", *("" for _ in names)))
    return Table(("Mode", *(METRIC_LABELS.get(n, n) for n in names)), tuple(rows))


def _answers_of(item: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    answers = item.get("answers")
    if isinstance(answers, list):
        return [a for a in answers if isinstance(a, Mapping)]
    modes = item.get("modes")
    if isinstance(modes, Mapping):
        return [{"mode": m, **v} for m, v in modes.items() if isinstance(v, Mapping)]
    return []


def _answer_row(question: str, answer: Mapping[str, Any]) -> tuple[str, str, str, str]:
    text = answer.get("text", answer.get("answer", ""))
    sources = answer.get("sources") or []
    if sources:
        text = f"{text} (Sources: {', '.join(str(s) for s in sources)})"
    metrics = answer.get("metrics") or {}
    return (
        excerpt(question, 160),
        mode_label(str(answer.get("mode", "?"))),
        excerpt(text) or "–",
        _metrics_inline(metrics if isinstance(metrics, Mapping) else {}),
    )


def comparison_section(comparisons: Sequence[Mapping[str, Any]]) -> Section:
    rows = [_answer_row(str(item.get("question", "")), a) for item in comparisons for a in _answers_of(item)]
    return Section(
        "Side-by-side comparisons",
        (
            Paragraph(
                "The same questions answered by each mode. Long answers are shortened.",
                "note",
            ),
            Table(("Question", "Mode", "Answer (excerpt)", "Figures"), tuple(rows), (2, 1.2, 4, 2)),
        ),
    )


def evaluation_section(evaluation: Mapping[str, Any]) -> Section:
    n = evaluation.get("questions")
    blocks: list[Any] = [
        Paragraph(f"Results on {n} questions." if n else "Results of the evaluation run."),
        measured_table(evaluation),
    ]
    rows = evaluation.get("rows") or []
    if rows:
        table_rows = tuple(_answer_row(str(r.get("question", "")), r) for r in rows if isinstance(r, Mapping))
        blocks.append(Table(("Question", "Mode", "Answer (excerpt)", "Figures"), table_rows, (2, 1.2, 4, 2)))
    return Section("Evaluation results", tuple(blocks))
