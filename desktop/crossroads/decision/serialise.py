"""A recommendation as plain JSON data, keys in a fixed order, so files diff cleanly and tools can read it."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from crossroads.decision.evidence import evidence
from crossroads.decision.questions import questions
from crossroads.decision.weights import load_weights

if TYPE_CHECKING:
    from crossroads.decision.scoring import Recommendation

FORMAT = "crossroads-decision"
VERSION = 1


def _num(x: float) -> float:
    return round(x, 2) + 0.0  # + 0.0 turns -0.0 into 0.0


def recommendation_to_dict(rec: Recommendation) -> dict[str, Any]:
    w = load_weights()
    options = {
        o: {
            "label": w.options[o].label,
            "summary": w.options[o].summary,
            "score": _num(rec.scores[o]),
            "caveat": w.options[o].caveat,
            "caveat_evidence": list(w.options[o].caveat_evidence),
        }
        for o in w.order
    }
    conf = rec.confidence
    out: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "project": rec.answers.project,
        "winner": rec.winner,
        "winner_label": w.options[rec.winner].label,
        "ranking": rec.ranking(),
        "scores": {o: _num(rec.scores[o]) for o in w.order},
        "confidence": {
            "level": conf.level,
            "margin": _num(conf.margin),
            "runner_up": conf.runner_up,
            "answered": conf.answered,
            "total": conf.total,
            "notes": list(conf.notes),
        },
        "options": options,
        "top_reasons": [_contribution(c) for c in rec.top_reasons()],
        "against": [_contribution(c) for c in rec.against()],
        "conflicts": [{"id": cid, "message": msg} for cid, msg in rec.conflicts],
        "what_would_change": [asdict(f) for f in rec.what_would_change],
        "notes": list(rec.notes),
        "measured": None,
        "contributions": [_contribution(c) for c in rec.contributions],
        "answers": [
            {
                "id": q.id,
                "title": q.title,
                "value": rec.answers.get(q.id),
                "label": q.label(rec.answers.get(q.id)),
            }
            for q in questions()
        ],
        "costs": rec.costs.to_dict(),
        "evidence": {eid: evidence(eid).to_dict() for eid in rec.evidence_ids()},
    }
    if rec.measured_effect is not None:
        m = rec.measured_effect
        out["measured"] = {
            "before": m.before,
            "after": m.after,
            "changed": m.changed,
            "summary": m.summary,
            "input": m.measured.to_dict(),
        }
    return out


def _contribution(c: Any) -> dict[str, Any]:
    d = asdict(c)
    d["questions"] = list(c.questions)
    d["evidence"] = list(c.evidence)
    d["delta"] = _num(c.delta)
    return d
