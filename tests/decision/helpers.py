"""Small builders shared by the decision tests."""

from __future__ import annotations

from pathlib import Path

import crossroads.decision
from crossroads.decision.answers import Answers
from crossroads.decision.measured import Measured
from crossroads.decision.scoring import Recommendation, recommend

WEIGHTS_TOML = Path(crossroads.decision.__file__).with_name("weights.toml")


def rec(measured: dict | None = None, **values: str) -> Recommendation:
    """The recommendation for these answers (all others unknown) and optional measured results."""
    return recommend(Answers(values), Measured.from_dict(measured) if measured else None)


def gap(r: Recommendation, a: str, b: str) -> float:
    return r.scores[a] - r.scores[b]


def measured(hit: float | None = None, n: int = 60, **modes: dict) -> dict:
    data: dict = {"questions": n, "modes": modes}
    if hit is not None:
        data["retrieval_hit_rate"] = hit
    return data
