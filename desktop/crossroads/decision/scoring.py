"""Scores, recommendation and sensitivity: pure functions of the answers, the measurements and the weights.

A score is the sum of its contributions, and every contribution names the answer (or measurement) behind it,
the reason in plain words and the evidence. "What would change it" is computed, not written: every other value
of every question is tried, and those that change the winner are reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from crossroads.decision.answers import Answers
from crossroads.decision.costs import CostEstimate, estimate_costs
from crossroads.decision.measured import Measured, derived_search_quality, fire_rules
from crossroads.decision.questions import UNKNOWN, question, questions
from crossroads.decision.weights import Effect, Weights, load_weights

LEVELS = ("low", "medium", "high")


@dataclass(frozen=True)
class Contribution:
    source: str  # "prior", "<question>=<value>", a combination id, or "measured:<rule>"
    kind: str  # "prior" | "answer" | "combination" | "measured"
    questions: tuple[str, ...]
    answer: str  # the raw value(s), e.g. "monthly" or "few_pages + 8k"; empty for priors and measurements
    answer_text: str  # the same in words, for people
    option: str
    delta: float
    reason: str
    evidence: tuple[str, ...]
    evidence_note: str | None
    inherited_from: str | None = None


@dataclass(frozen=True)
class Flip:
    """One answer that, changed on its own, would change the recommendation."""

    question: str
    title: str
    current: str
    current_label: str
    alternative: str
    alternative_label: str
    winner: str
    text: str


@dataclass(frozen=True)
class Confidence:
    level: str  # low | medium | high
    margin: float
    runner_up: str
    answered: int
    total: int
    notes: tuple[str, ...]


@dataclass(frozen=True)
class MeasuredEffect:
    measured: Measured
    before: str  # winner on the answers alone
    after: str
    summary: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass(frozen=True)
class Recommendation:
    winner: str
    scores: Mapping[str, float]  # in the weights' option order
    contributions: tuple[Contribution, ...]
    confidence: Confidence
    conflicts: tuple[tuple[str, str], ...]  # (id, message)
    what_would_change: tuple[Flip, ...]
    measured_effect: MeasuredEffect | None
    costs: CostEstimate
    answers: Answers
    notes: tuple[str, ...] = ()

    def ranking(self) -> list[str]:
        order = list(self.scores)
        return sorted(order, key=lambda o: (-self.scores[o], order.index(o)))

    def top_reasons(self, n: int = 5) -> list[Contribution]:
        """The strongest contributions in favour of the winner."""
        mine = [c for c in self.contributions if c.option == self.winner and c.delta > 0]
        return sorted(mine, key=lambda c: -c.delta)[:n]

    def against(self, n: int = 3) -> list[Contribution]:
        """The strongest contributions against the winner: what it has to overcome."""
        mine = [c for c in self.contributions if c.option == self.winner and c.delta < 0]
        return sorted(mine, key=lambda c: c.delta)[:n]

    def evidence_ids(self) -> list[str]:
        """Every evidence id cited by a contribution or a caveat, in first-cited order."""
        seen: dict[str, None] = {}
        for c in self.contributions:
            seen.update(dict.fromkeys(c.evidence))
        for option in load_weights().options.values():
            seen.update(dict.fromkeys(option.caveat_evidence))
        return list(seen)

    def to_dict(self) -> dict[str, object]:
        from crossroads.decision.serialise import recommendation_to_dict

        return recommendation_to_dict(self)


def recommend(answers: Answers, measured: Measured | None = None, *, weights: Weights | None = None) -> Recommendation:
    """The recommendation for these answers (and measurements, if any), with its reasons and sensitivity."""
    w = weights or load_weights()
    notes: list[str] = []
    skip: set[str] = set()
    conflicts = [(c.id, c.message) for c in w.conflicts if c.matches(answers.values)]
    if measured is not None and measured.retrieval_hit_rate is not None:
        skip.add("retrieval_quality")
        stated, implied = answers.get("retrieval_quality"), derived_search_quality(measured, w)
        if stated != UNKNOWN:
            notes.append(
                f"The measured retrieval hit rate ({measured.retrieval_hit_rate:.0%}) replaces the "
                'answer to "Search quality on your questions".'
            )
        if stated in ("good", "poor") and implied in ("good", "poor") and stated != implied:
            conflicts.append(
                (
                    "measured_search_contradicts_answer",
                    "Search quality was described as "
                    f'"{question("retrieval_quality").label(stated)}", but the right passage '
                    f"came back for {measured.retrieval_hit_rate:.0%} of the measured questions.",
                )
            )

    scores, contributions = _score(answers.values, measured, w, skip)
    winner = _winner(scores, w)
    effect = None
    if measured is not None:
        before = _winner(_score(answers.values, None, w, set())[0], w)
        effect = MeasuredEffect(measured, before, winner, _effect_summary(before, winner, measured, w))
    flips = _sensitivity(answers, measured, w, skip, winner)
    return Recommendation(
        winner=winner,
        scores=scores,
        contributions=tuple(contributions),
        confidence=_confidence(scores, answers, conflicts, w),
        conflicts=tuple(conflicts),
        what_would_change=tuple(flips),
        measured_effect=effect,
        costs=estimate_costs(answers),
        answers=answers,
        notes=tuple(notes),
    )


def _score(
    values: Mapping[str, str], measured: Measured | None, w: Weights, skip: set[str]
) -> tuple[dict[str, float], list[Contribution]]:
    contributions: list[Contribution] = []
    for option in w.order:
        spec = w.options[option]
        if spec.prior == 0:
            continue
        contributions.append(
            Contribution(
                "prior",
                "prior",
                (),
                "",
                "",
                option,
                spec.prior,
                spec.prior_reason,
                spec.prior_evidence,
                spec.prior_evidence_note,
            )
        )
    for effect in (*w.entries, *w.combinations):
        if set(effect.when) & skip or not effect.matches(values):
            continue
        qids = tuple(effect.when)
        raw = " + ".join(values.get(q, UNKNOWN) for q in qids)
        text = "; ".join(f"{question(q).title}: {question(q).label(values.get(q, UNKNOWN))}" for q in qids)
        contributions += _contributions(effect, effect.deltas, effect.reason, qids, raw, text, w)
    if measured is not None:
        for fired in fire_rules(measured, values.get("latency", UNKNOWN), w):
            text = f"{fired.effect.label} ({measured.questions} questions)"
            contributions += _contributions(fired.effect, fired.deltas, fired.reason, (), "", text, w)
    scores = {o: 0.0 for o in w.order}
    for c in contributions:
        scores[c.option] += c.delta
    return scores, contributions


def _contributions(
    effect: Effect,
    deltas: Mapping[str, float],
    reason: str,
    qids: tuple[str, ...],
    raw: str,
    text: str,
    w: Weights,
) -> list[Contribution]:
    source = f"measured:{effect.id}" if effect.kind == "measured" else effect.id
    return [
        Contribution(
            source,
            effect.kind,
            qids,
            raw,
            text,
            option,
            delta,
            reason,
            effect.evidence,
            effect.evidence_note,
            inherited,
        )
        for option, delta, inherited in w.expand(deltas)
    ]


def _winner(scores: Mapping[str, float], w: Weights) -> str:
    return max(w.order, key=lambda o: (scores[o], -w.order.index(o)))


def _confidence(
    scores: Mapping[str, float], answers: Answers, conflicts: list[tuple[str, str]], w: Weights
) -> Confidence:
    c = w.confidence
    ranked = sorted(w.order, key=lambda o: (-scores[o], w.order.index(o)))
    margin = scores[ranked[0]] - scores[ranked[1]]
    total = len(questions())
    answered = answers.answered_count()
    share = answered / total
    level = 0
    if margin >= c["medium_margin"] and share >= c["medium_answered"]:
        level = 1
    if margin >= c["high_margin"] and share >= c["high_answered"]:
        level = 2
    notes = [
        f"{answered} of {total} questions answered.",
        f"Lead over the runner-up ({w.options[ranked[1]].short}): {margin:g} points.",
    ]
    if conflicts:
        level = max(0, level - int(c["conflict_penalty"]))
        notes.append(f"{len(conflicts)} conflicting answer(s) lower the confidence; see below.")
    return Confidence(LEVELS[level], margin, ranked[1], answered, total, tuple(notes))


def _sensitivity(answers: Answers, measured: Measured | None, w: Weights, skip: set[str], winner: str) -> list[Flip]:
    flips: list[Flip] = []
    for q in questions():
        if q.id in skip:
            continue
        current = answers.get(q.id)
        for alternative in q.values:
            if alternative in (current, UNKNOWN):
                continue
            values = answers.with_value(q.id, alternative).values
            new = _winner(_score(values, measured, w, skip)[0], w)
            if new == winner:
                continue
            was = "unanswered" if current == UNKNOWN else f"“{q.label(current)}”"
            text = (
                f"If “{q.title}” were “{q.label(alternative)}” (now {was}), the recommendation would be "
                f"{w.options[new].label}."
            )
            flips.append(Flip(q.id, q.title, current, q.label(current), alternative, q.label(alternative), new, text))
    return flips


def _effect_summary(before: str, after: str, measured: Measured, w: Weights) -> str:
    n = measured.questions
    if before == after:
        return f"The measurements on your {n} questions confirm the recommendation: {w.options[after].label}."
    return (
        f"The measurements on your {n} questions changed the recommendation from "
        f"{w.options[before].label} to {w.options[after].label}."
    )
