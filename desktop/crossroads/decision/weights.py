"""The scoring weights from ``weights.toml``, typed and checked against the questions and the evidence list.

A weights file that names an unknown question, value, option or evidence id, or gives a reason without
evidence or an evidence note, fails to load: such a file is a bug in Crossroads, not user input.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from crossroads.decision.evidence import known_ids
from crossroads.decision.questions import questions_by_id

_WEIGHTS_FILE = Path(__file__).with_name("weights.toml")


@dataclass(frozen=True)
class OptionSpec:
    id: str
    label: str
    short: str
    abbr: str  # column heading in tables
    summary: str
    prior: float
    prior_reason: str
    prior_evidence: tuple[str, ...]
    prior_evidence_note: str | None
    inherits: str | None
    caveat: str | None
    caveat_evidence: tuple[str, ...]


@dataclass(frozen=True)
class Effect:
    """One weighted reason: an answer, a combination of answers, or a measured rule."""

    id: str
    kind: str  # "answer" | "combination" | "measured"
    when: Mapping[str, tuple[str, ...]]  # question id -> matching values (empty for measured rules)
    deltas: Mapping[str, float]  # only the options the file names
    reason: str
    evidence: tuple[str, ...]
    evidence_note: str | None
    label: str = ""  # measured rules: what was observed, in a few words

    def matches(self, values: Mapping[str, str]) -> bool:
        return all(values.get(q, "unknown") in allowed for q, allowed in self.when.items())


@dataclass(frozen=True)
class Conflict:
    id: str
    when: Mapping[str, tuple[str, ...]]
    message: str

    def matches(self, values: Mapping[str, str]) -> bool:
        return all(values.get(q, "unknown") in allowed for q, allowed in self.when.items())


@dataclass(frozen=True)
class Weights:
    order: tuple[str, ...]
    options: Mapping[str, OptionSpec]
    entries: tuple[Effect, ...]
    combinations: tuple[Effect, ...]
    conflicts: tuple[Conflict, ...]
    confidence: Mapping[str, float]
    measured: Mapping[str, Any]
    measured_rules: Mapping[str, Effect] = field(default_factory=dict)

    def expand(self, deltas: Mapping[str, float]) -> list[tuple[str, float, str | None]]:
        """(option, delta, inherited_from) for every option an effect moves, applying ``inherits``."""
        out: list[tuple[str, float, str | None]] = []
        for option in self.order:
            if option in deltas:
                out.append((option, float(deltas[option]), None))
                continue
            parent = self.options[option].inherits
            if parent and parent in deltas:
                out.append((option, float(deltas[parent]), parent))
        return [item for item in out if item[1] != 0.0]

    def option_label(self, option: str) -> str:
        return self.options[option].label


def _effect(raw: Mapping[str, Any], kind: str, effect_id: str, when: Mapping[str, tuple[str, ...]]) -> Effect:
    return Effect(
        id=effect_id,
        kind=kind,
        when=when,
        deltas={k: float(v) for k, v in raw["deltas"].items()},
        reason=raw["reason"],
        evidence=tuple(raw.get("evidence", ())),
        evidence_note=raw.get("evidence_note"),
        label=raw.get("label", ""),
    )


def _when(raw: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    return {q: tuple(values) for q, values in raw.items()}


def parse_weights(data: Mapping[str, Any]) -> Weights:
    """Build and check ``Weights`` from the parsed TOML; raises ValueError naming the first inconsistency."""
    order = tuple(data["order"])
    options = {
        oid: OptionSpec(
            id=oid,
            label=o["label"],
            short=o["short"],
            abbr=o["abbr"],
            summary=o["summary"],
            prior=float(o["prior"]),
            prior_reason=o["prior_reason"],
            prior_evidence=tuple(o.get("prior_evidence", ())),
            prior_evidence_note=o.get("prior_evidence_note"),
            inherits=o.get("inherits"),
            caveat=o.get("caveat"),
            caveat_evidence=tuple(o.get("caveat_evidence", ())),
        )
        for oid, o in data["options"].items()
    }
    entries = tuple(
        _effect(e, "answer", f"{e['question']}={e['value']}", {e["question"]: (e["value"],)}) for e in data["entries"]
    )
    combinations = tuple(_effect(c, "combination", c["id"], _when(c["when"])) for c in data["combinations"])
    conflicts = tuple(Conflict(c["id"], _when(c["when"]), c["message"]) for c in data.get("conflicts", ()))
    measured = dict(data["measured"])
    rules = {r["id"]: _effect(r, "measured", r["id"], {}) for r in measured.pop("rules")}
    weights = Weights(order, options, entries, combinations, conflicts, dict(data["confidence"]), measured, rules)
    _check(weights)
    return weights


def _check(w: Weights) -> None:
    if set(w.order) != set(w.options):
        raise ValueError(f"weights: [order] {w.order} does not match the options {sorted(w.options)}")
    evidence_ids = known_ids()
    qs = questions_by_id()
    for option in w.options.values():
        if option.inherits and option.inherits not in w.options:
            raise ValueError(f"weights: option {option.id} inherits unknown option {option.inherits}")
        _check_refs(f"option {option.id}", option.prior_evidence + option.caveat_evidence, evidence_ids)
        if not option.prior_evidence and not option.prior_evidence_note:
            raise ValueError(f"weights: option {option.id} needs prior_evidence or prior_evidence_note")
    seen: set[str] = set()
    for effect in (*w.entries, *w.combinations, *w.measured_rules.values()):
        if effect.id in seen:
            raise ValueError(f"weights: {effect.id} appears twice")
        seen.add(effect.id)
        for option in effect.deltas:
            if option not in w.options:
                raise ValueError(f"weights: {effect.id} moves unknown option {option}")
        _check_refs(effect.id, effect.evidence, evidence_ids)
        if not effect.evidence and not effect.evidence_note:
            raise ValueError(f"weights: {effect.id} needs evidence or an evidence_note")
    for cond_id, when in [(e.id, e.when) for e in (*w.entries, *w.combinations)] + [
        (c.id, c.when) for c in w.conflicts
    ]:
        for qid, values in when.items():
            if qid not in qs:
                raise ValueError(f"weights: {cond_id} names unknown question {qid}")
            bad = set(values) - set(qs[qid].values)
            if bad:
                raise ValueError(f"weights: {cond_id} names unknown values {sorted(bad)} of {qid}")


def _check_refs(where: str, refs: tuple[str, ...], known: frozenset[str]) -> None:
    missing = [r for r in refs if r not in known]
    if missing:
        raise ValueError(f"weights: {where} cites unknown evidence {missing}")


@cache
def load_weights() -> Weights:
    """The shipped weights (read once per process)."""
    return parse_weights(tomllib.loads(_WEIGHTS_FILE.read_text(encoding="utf-8")))
