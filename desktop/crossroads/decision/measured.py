"""Measured results from Compare / Evaluate, and what they do to the recommendation.

Input format (the evaluation harness writes it; ``crossroads decide --measured FILE.json`` reads it)::

    {
      "questions": 60,                       number of questions measured (required, >= 1)
      "retrieval_hit_rate": 0.9,             share of questions whose expected passage was found (optional)
      "modes": {                             at least one of: plain, rag, fine_tuned, fine_tuned_rag
        "plain": {"contained": 0.08, "f1": 0.12, "grounded_share": 0.10, "latency_s": 3.2},
        "rag":   {"contained": 0.71, "f1": 0.55, "grounded_share": 0.83, "latency_s": 5.1}
      }
    }

Metrics per mode, all optional: ``contained`` (share of answers containing the expected answer), ``f1`` (token
F1 against the expected answer), ``em``, ``token_recall``, ``grounded_share`` (share of answer sentences
supported by the retrieved passages), all between 0 and 1, and ``latency_s`` (mean seconds per answer). Other
numeric metrics are kept and shown in the report. Accuracy is read from the first of weights.toml's
``accuracy_metrics`` present.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crossroads.decision.weights import Effect, Weights
from crossroads.errors import InputError

MODES = ("plain", "rag", "fine_tuned", "fine_tuned_rag")
MODE_LABELS = {
    "plain": "Model only",
    "rag": "Model + your documents",
    "fine_tuned": "Fine-tuned",
    "fine_tuned_rag": "Fine-tuned + your documents",
}
SHARE_METRICS = ("contained", "f1", "em", "token_recall", "grounded_share")
MEASURED_SCHEMA: dict[str, Any] = {
    "description": "Pass with --measured FILE.json; every field except 'questions' is optional.",
    "questions": "number of questions measured (at least 1)",
    "retrieval_hit_rate": "share (0-1) of questions whose expected passage was retrieved",
    "modes": {
        mode: {
            "contained": "share (0-1) of answers containing the expected answer",
            "f1": "token F1 (0-1) against the expected answer",
            "grounded_share": "share (0-1) of answer sentences supported by the retrieved passages",
            "latency_s": "mean seconds per answer",
        }
        for mode in MODES
    },
}
_TOP_LEVEL = ("questions", "retrieval_hit_rate", "modes")


@dataclass(frozen=True)
class Measured:
    questions: int
    modes: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    retrieval_hit_rate: float | None = None

    def metric(self, mode: str, name: str) -> float | None:
        return self.modes.get(mode, {}).get(name)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"questions": self.questions}
        if self.retrieval_hit_rate is not None:
            out["retrieval_hit_rate"] = self.retrieval_hit_rate
        out["modes"] = {m: dict(self.modes[m]) for m in MODES if m in self.modes}
        return out

    @classmethod
    def from_dict(cls, data: Any) -> Measured:
        """Validate; one InputError names every problem found."""
        if not isinstance(data, dict):
            raise InputError("The measured-results file must hold a JSON object with 'questions' and 'modes'.")
        problems: list[str] = []
        extra = [k for k in data if k not in _TOP_LEVEL and not str(k).startswith("_")]
        if extra:
            problems.append(f"unknown field(s) {', '.join(extra)} (expected: {', '.join(_TOP_LEVEL)})")
        n = data.get("questions")
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            problems.append("'questions' must be the number of questions measured (1 or more)")
        hit = data.get("retrieval_hit_rate")
        if hit is not None and not _is_share(hit):
            problems.append("'retrieval_hit_rate' must be a number between 0 and 1")
        modes = _parse_modes(data.get("modes") or {}, problems)
        if problems:
            raise InputError("The measured-results file has problems: " + "; ".join(problems) + ".")
        return cls(questions=int(n), modes=modes, retrieval_hit_rate=None if hit is None else float(hit))


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _is_share(v: Any) -> bool:
    return _is_number(v) and 0 <= v <= 1


def _parse_modes(raw: Any, problems: list[str]) -> dict[str, dict[str, float]]:
    if not isinstance(raw, dict):
        problems.append("'modes' must map mode names to their metrics")
        return {}
    unknown = [m for m in raw if m not in MODES]
    if unknown:
        problems.append(f"unknown mode(s) {', '.join(unknown)} (known: {', '.join(MODES)})")
    modes: dict[str, dict[str, float]] = {}
    for mode in (m for m in MODES if m in raw):
        metrics = raw[mode]
        if not isinstance(metrics, dict):
            problems.append(f"mode '{mode}' must map metric names to numbers")
            continue
        clean: dict[str, float] = {}
        for name, value in metrics.items():
            if name in SHARE_METRICS and not _is_share(value):
                problems.append(f"'{mode}.{name}' must be a number between 0 and 1")
            elif name == "latency_s" and not (_is_number(value) and value >= 0):
                problems.append(f"'{mode}.latency_s' must be a number of seconds (0 or more)")
            elif not _is_number(value):
                problems.append(f"'{mode}.{name}' must be a number")
            else:
                clean[name] = float(value)
        modes[mode] = clean
    return modes


def load_measured(path: str | os.PathLike[str]) -> Measured:
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"The measured-results file {p.name} was not found ({p}).") from None
    except json.JSONDecodeError as exc:
        raise InputError(
            f"The measured-results file {p.name} is not valid JSON (line {exc.lineno}, column {exc.colno})."
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"The measured-results file {p.name} could not be read: {exc}.") from None
    return Measured.from_dict(data)


@dataclass(frozen=True)
class FiredRule:
    """A measured rule that applies: its deltas (scaled down for few questions) and its filled-in reason."""

    effect: Effect
    deltas: Mapping[str, float]
    reason: str


def accuracy(measured: Measured, mode: str, other: str, weights: Weights) -> tuple[float, float] | None:
    """Accuracy of two modes on the first metric both report, so they are compared like for like."""
    for name in weights.measured["accuracy_metrics"]:
        a, b = measured.metric(mode, name), measured.metric(other, name)
        if a is not None and b is not None:
            return a, b
    return None


def fire_rules(measured: Measured, latency_answer: str, weights: Weights) -> list[FiredRule]:
    """Every measured rule whose condition holds, in the file's order."""
    t = weights.measured["thresholds"]
    hit = measured.retrieval_hit_rate
    plain_rag = accuracy(measured, "plain", "rag", weights)
    ft_rag = accuracy(measured, "fine_tuned", "rag", weights)
    hy_rag = accuracy(measured, "fine_tuned_rag", "rag", weights)
    hy_ft = accuracy(measured, "fine_tuned_rag", "fine_tuned", weights)
    rag_acc = plain_rag[1] if plain_rag else (ft_rag[1] if ft_rag else None)
    grounded = measured.metric("rag", "grounded_share")
    latency = measured.metric("rag", "latency_s")
    budget = weights.measured["latency_budget_s"].get(latency_answer)
    gain = plain_rag[1] - plain_rag[0] if plain_rag else None

    conditions = {
        "rag_gain_large": gain is not None and gain >= t["large_gain"],
        "rag_gain_small": gain is not None and t["small_gain"] <= gain < t["large_gain"],
        "plain_already_good": gain is not None
        and gain < t["small_gain"]
        and plain_rag is not None
        and plain_rag[0] >= t["plain_already_good"],
        "search_fails": hit is not None and hit < t["hit_low"],
        "search_mixed": hit is not None and t["hit_low"] <= hit < t["hit_high"],
        "search_works": hit is not None and hit >= t["hit_high"],
        "model_misreads_passages": hit is not None
        and hit >= t["hit_high"]
        and rag_acc is not None
        and rag_acc < t["reads_poorly"],
        "answers_not_grounded": grounded is not None
        and grounded < t["grounded_low"]
        and (hit is None or hit >= t["hit_low"]),
        "rag_over_latency_budget": latency is not None and budget is not None and latency > budget,
        "fine_tuned_beats_rag": ft_rag is not None and ft_rag[0] >= ft_rag[1] + t["mode_lead"],
        "hybrid_beats_both": hy_rag is not None
        and hy_rag[0] >= hy_rag[1] + t["mode_lead"]
        and (hy_ft is None or hy_ft[0] >= hy_ft[1] + t["mode_lead"]),
    }
    unknown = set(conditions) ^ set(weights.measured_rules)
    if unknown:
        raise ValueError(f"measured rules without a condition or a weight: {sorted(unknown)}")

    facts = {
        "n": str(measured.questions),
        "plain": _pct(plain_rag[0] if plain_rag else None),
        "rag": _pct(rag_acc),
        "fine_tuned": _pct(ft_rag[0] if ft_rag else None),
        "fine_tuned_rag": _pct(hy_rag[0] if hy_rag else None),
        "gain": _pct(gain),
        "hit": _pct(hit),
        "grounded": _pct(grounded),
        "latency": f"{latency:.1f}" if latency is not None else "n/a",
        "budget": f"{budget:g}" if budget is not None else "n/a",
    }
    factor = 1.0
    if measured.questions < weights.measured["few_questions"]:
        factor = float(weights.measured["few_questions_factor"])
    fired = []
    for rule_id, effect in weights.measured_rules.items():
        if conditions[rule_id]:
            reason = effect.reason.format(**facts)
            if factor != 1.0:
                reason += f" With only {measured.questions} questions, this counts for {factor:g} of its weight."
            fired.append(FiredRule(effect, {k: v * factor for k, v in effect.deltas.items()}, reason))
    return fired


def derived_search_quality(measured: Measured, weights: Weights) -> str | None:
    """The answer to "search quality" that the measured hit rate implies, to spot a contradicting answer."""
    hit = measured.retrieval_hit_rate
    if hit is None:
        return None
    t = weights.measured["thresholds"]
    return "poor" if hit < t["hit_low"] else "mixed" if hit < t["hit_high"] else "good"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.0f}%"
