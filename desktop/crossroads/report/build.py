"""The decision report's content: what a client who was not in the room needs to follow the recommendation.

Order: the recommendation, the scores, the reasons with their evidence, conflicts, what would change it, the
measured results, the cost estimate, then comparisons and evaluation results when given, the answers, how
every score was computed, and the references. Reasons cite references as [n], numbered in order of first
mention.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from crossroads import __version__
from crossroads.decision.evidence import evidence
from crossroads.decision.questions import questions
from crossroads.decision.scoring import Contribution, Recommendation
from crossroads.decision.weights import load_weights
from crossroads.report.extras import comparison_section, evaluation_section, measured_table
from crossroads.report.model import Bar, BarChart, Bullets, Callout, Item, Paragraph, Report, Section, Table

_STATUS = {"V": "read in the original source", "V2": "as reported by a secondary source quoting the original"}


class _Citations:
    """Numbers references in order of first mention."""

    def __init__(self) -> None:
        self.order: list[str] = []

    def cite(self, ids: Sequence[str]) -> str:
        nums = []
        for eid in ids:
            if eid not in self.order:
                self.order.append(eid)
            nums.append(str(self.order.index(eid) + 1))
        return f" [{', '.join(nums)}]" if nums else ""


def build_report(
    recommendation: Recommendation,
    comparisons: Sequence[Mapping[str, Any]] | None = None,
    evaluation: Mapping[str, Any] | None = None,
    *,
    title: str = "Fine-tune or RAG? Decision report",
    generated: dt.date | None = None,
) -> Report:
    """One document: the decision, and the comparisons and evaluation results when the app has them.

    ``comparisons``: ``[{"question": str, "answers": [{"mode": str, "text": str, "metrics": {..},
    "sources": [str]}]}]``. ``evaluation``: the measured-results format (``crossroads.decision.measured``),
    optionally with ``"rows": [{"question", "mode", "answer", "metrics"}]``.
    """
    rec, w, refs = recommendation, load_weights(), _Citations()
    when = generated or dt.date.today()
    sections = [
        _recommendation(rec, refs),
        _scores(rec),
        _reasons(rec, refs),
        *([_conflicts(rec)] if rec.conflicts else []),
        _what_would_change(rec),
        *([_measured(rec, refs)] if rec.measured_effect else []),
        _costs(rec, refs),
        *([comparison_section(comparisons)] if comparisons else []),
        *([evaluation_section(evaluation)] if evaluation else []),
        _answers(rec),
        _computation(rec),
    ]
    sections.append(_references(refs))
    subtitle = rec.answers.project or "Prepared for the project team"
    footer = (
        f"Prepared with Crossroads {__version__}. Scores add up published, documented weights; figures "
        "quoted come from the references listed; costs are rough estimates from the stated assumptions. "
        f"Recommendation: {w.options[rec.winner].label}."
    )
    return Report(
        title=title,
        subtitle=subtitle,
        generated=f"{when.day} {when:%B %Y}",
        sections=tuple(sections),
        footer=footer,
        meta={"winner": rec.winner},
    )


def _recommendation(rec: Recommendation, refs: _Citations) -> Section:
    w = load_weights()
    spec = w.options[rec.winner]
    conf = rec.confidence
    blocks: list[Any] = [
        Callout(f"Recommendation: {spec.label}", spec.summary),
        Paragraph(f"Confidence: {conf.level}. " + " ".join(conf.notes)),
    ]
    if spec.caveat:
        blocks.append(Paragraph(f"Watch out: {spec.caveat}{refs.cite(spec.caveat_evidence)}"))
    blocks += [Paragraph(note, "note") for note in rec.notes]
    if conf.answered == 0:
        blocks.append(
            Paragraph(
                "No question was answered, so this is only the usual starting point. Answer the "
                "questions for a recommendation that fits the situation.",
                "note",
            )
        )
    return Section("Recommendation", tuple(blocks))


def _scores(rec: Recommendation) -> Section:
    w = load_weights()
    bars = tuple(Bar(w.options[o].short, rec.scores[o], o == rec.winner) for o in w.order)
    return Section(
        "Scores",
        (
            BarChart("Score per option (higher is better)", bars),
            Paragraph(
                "Each score adds up the weighted reasons that follow from the answers (and measurements); "
                'the section "How the scores were computed" lists every one of them.',
                "note",
            ),
        ),
    )


def _reason_item(c: Contribution, refs: _Citations) -> Item:
    details = [f"From: {c.answer_text}"] if c.kind in ("answer", "combination") else []
    for eid in c.evidence:
        e = evidence(eid)
        details.append(f"Evidence{refs.cite([eid])}: {e.figure}")
    if not c.evidence and c.evidence_note:
        details.append(f"Basis: {c.evidence_note}")
    return Item(f"{c.reason} ({c.delta:+g})", tuple(details))


def _reasons(rec: Recommendation, refs: _Citations) -> Section:
    reasons = rec.top_reasons()
    blocks: list[Any] = [Bullets(tuple(_reason_item(c, refs) for c in reasons))]
    if not reasons:
        blocks = [
            Paragraph(
                "No answer speaks for this option directly: it leads because the reasons against the "
                "other options weigh more (see How the scores were computed)."
            )
        ]
    against = rec.against()
    if against:
        blocks.append(
            Paragraph("Points against it, outweighed by the reasons above:" if reasons else "Points against it:")
        )
        blocks.append(Bullets(tuple(_reason_item(c, refs) for c in against)))
    return Section("Why", tuple(blocks))


def _conflicts(rec: Recommendation) -> Section:
    return Section(
        "Answers that pull against each other",
        (
            Paragraph(
                "These answers contradict each other or point in opposite directions. Settle them before "
                "relying on the recommendation:"
            ),
            Bullets(tuple(Item(message) for _, message in rec.conflicts)),
        ),
    )


def _what_would_change(rec: Recommendation) -> Section:
    flips = rec.what_would_change
    if not flips:
        return Section(
            "What would change the recommendation",
            (Paragraph("No single different answer would change the recommendation."),),
        )
    return Section(
        "What would change the recommendation",
        (
            Paragraph(
                "Each line changes one answer and keeps all the others; only changes that lead to a "
                "different recommendation are listed."
            ),
            Bullets(tuple(Item(f.text) for f in flips)),
        ),
    )


def _measured(rec: Recommendation, refs: _Citations) -> Section:
    effect = rec.measured_effect
    assert effect is not None
    measured_reasons = {c.source: c for c in rec.contributions if c.kind == "measured"}
    items = []
    for c in measured_reasons.values():
        deltas = ", ".join(
            f"{load_weights().options[x.option].short} {x.delta:+g}" for x in rec.contributions if x.source == c.source
        )
        items.append(Item(f"{c.reason}{refs.cite(c.evidence)}", (f"Effect: {deltas}",)))
    blocks: list[Any] = [Paragraph(effect.summary), measured_table(effect.measured.to_dict())]
    if items:
        blocks.append(Bullets(tuple(items)))
    return Section("Measured on your questions", tuple(blocks))


def _costs(rec: Recommendation, refs: _Citations) -> Section:
    w = load_weights()
    blocks: list[Any] = [
        Paragraph(
            "Rough ranges, not quotes: the low end combines the favourable end of every assumption, the high "
            "end the unfavourable one. Every assumption is listed below and can be changed in the answers "
            "file.",
            "note",
        )
    ]
    blocks += [Paragraph(text, "note") for text in rec.costs.assumed]
    for option in rec.ranking():
        cost = rec.costs.for_option(option)
        heading = w.options[option].label + (" (recommended)" if option == rec.winner else "")
        blocks.append(Paragraph(heading + (f" — {cost.note}" if cost.note else "")))
        blocks.append(Table(("Item", "Estimate"), tuple((line.item, line.text()) for line in cost.lines), (3, 2)))
    rows = tuple(
        (a.label + (" (changed)" if a.overridden else ""), a.text(), a.source + refs.cite(a.evidence))
        for a in rec.costs.assumptions
    )
    blocks += [Paragraph("Assumptions"), Table(("Assumption", "Value", "Source"), rows, (3, 1.4, 3.6))]
    return Section("Cost and effort", tuple(blocks))


def _answers(rec: Recommendation) -> Section:
    rows = tuple((q.title, q.prompt, q.label(rec.answers.get(q.id))) for q in questions())
    return Section("Your answers", (Table(("Topic", "Question", "Answer"), rows, (1.4, 3, 2)),))


def _computation(rec: Recommendation) -> Section:
    w = load_weights()
    columns: dict[str, dict[str, float]] = {}
    labels: dict[str, str] = {}
    for c in rec.contributions:
        columns.setdefault(c.source, {})[c.option] = c.delta
        labels[c.source] = "Starting point" if c.kind == "prior" else c.answer_text
    rows = [(labels[s], *(f"{d[o]:+g}" if o in d else "" for o in w.order)) for s, d in columns.items()]
    rows.append(("Total", *(f"{rec.scores[o]:g}" for o in w.order)))
    return Section(
        "How the scores were computed",
        (
            Paragraph(
                "One row per answer, combination of answers or measurement that moved a score. Documents in "
                "the prompt and Fix retrieval first are variants of RAG, so they share its points unless a "
                "row says otherwise.",
                "note",
            ),
            Table(("Source", *(w.options[o].abbr for o in w.order)), tuple(rows), (3.4, 1, 1, 1, 1, 1)),
        ),
    )


def _references(refs: _Citations) -> Section:
    items = []
    for eid in refs.order:
        e = evidence(eid)
        items.append(Item(e.citation(), (f"{e.figure} ({_STATUS[e.status]})",)))
    if not items:
        return Section("References", (Paragraph("No published source was needed for these reasons."),))
    return Section("References", (Bullets(tuple(items), numbered=True),))
