"""The wizard's answers: validated, loaded from and saved to a JSON file a consultant can fill in by hand.

File format (``crossroads decide --template`` prints one with every question)::

    {
      "format": "crossroads-answers", "version": 1,
      "project": "Support assistant for ACME",          (optional, shown on the report)
      "answers": {"change_frequency": "monthly", ...},  (question id -> value; missing means "unknown")
      "costs": {"gpu_hour_price": [2, 3]}              (optional: overrides of cost assumptions, a number
                                                        or [low, high])
    }

Top-level keys starting with "_" are documentation and are ignored. Anything else unknown is reported by name.
"""

from __future__ import annotations

import difflib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from crossroads.decision.questions import UNKNOWN, questions, questions_by_id
from crossroads.errors import InputError

FORMAT = "crossroads-answers"
VERSION = 1
_TOP_LEVEL = ("format", "version", "project", "answers", "costs")


@dataclass(frozen=True)
class Answers:
    """Known answers only (any other question is "unknown"); cost overrides as (low, high) per assumption."""

    values: Mapping[str, str] = field(default_factory=dict)
    costs: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    project: str = ""

    def get(self, question_id: str) -> str:
        return self.values.get(question_id, UNKNOWN)

    def with_value(self, question_id: str, value: str) -> Answers:
        values = dict(self.values)
        if value == UNKNOWN:
            values.pop(question_id, None)
        else:
            values[question_id] = value
        return replace(self, values=values)

    def answered_count(self) -> int:
        return sum(1 for q in questions() if self.get(q.id) != UNKNOWN)

    def to_dict(self) -> dict[str, Any]:
        """The file form: every question listed, in wizard order."""
        out: dict[str, Any] = {"format": FORMAT, "version": VERSION}
        if self.project:
            out["project"] = self.project
        out["answers"] = {q.id: self.get(q.id) for q in questions()}
        if self.costs:
            out["costs"] = {k: list(v) for k, v in sorted(self.costs.items())}
        return out

    @classmethod
    def from_dict(cls, data: Any) -> Answers:
        """Validate a parsed answers file; one InputError names every problem found."""
        if not isinstance(data, dict):
            raise InputError("The answers file must hold a JSON object (see `crossroads decide --template`).")
        problems: list[str] = []
        unknown_keys = [k for k in data if k not in _TOP_LEVEL and not str(k).startswith("_")]
        if unknown_keys:
            problems.append(f"unknown section(s) {_names(unknown_keys)} (expected: {', '.join(_TOP_LEVEL)})")
        if data.get("format", FORMAT) != FORMAT:
            problems.append(f'"format" must be "{FORMAT}"')
        if data.get("version", VERSION) != VERSION:
            problems.append(f"version {data.get('version')!r} is not supported (this version reads {VERSION})")
        project = data.get("project") or ""
        if not isinstance(project, str):
            problems.append('"project" must be text')
            project = ""
        values = _parse_values(data.get("answers") or {}, problems)
        costs = _parse_costs(data.get("costs") or {}, problems)
        if problems:
            raise InputError("The answers file has problems: " + "; ".join(problems) + ".")
        return cls(values=values, costs=costs, project=project)


def _names(items: list[str]) -> str:
    return ", ".join(f'"{i}"' for i in items)


def _suggest(name: str, known: list[str], where: str) -> str:
    """A likely intended name (close spelling, or one name containing the other), else where to look."""
    close = difflib.get_close_matches(name, known, n=1)
    close = close or sorted((k for k in known if k in name or name in k), key=len, reverse=True)[:1]
    return f' (did you mean "{close[0]}"?)' if close else f" (see {where} for the full list)"


def _parse_values(raw: Any, problems: list[str]) -> dict[str, str]:
    if not isinstance(raw, dict):
        problems.append('"answers" must map question ids to values')
        return {}
    qs = questions_by_id()
    values: dict[str, str] = {}
    for qid, value in raw.items():
        if qid.startswith("_"):
            continue
        if qid not in qs:
            problems.append(f'unknown question "{qid}"{_suggest(qid, list(qs), "crossroads decide --template")}')
            continue
        if value is None:
            continue
        text = str(value).strip().lower() if isinstance(value, str) else None
        if text not in qs[qid].values:
            allowed = ", ".join(qs[qid].values)
            problems.append(f'question "{qid}" cannot be {json.dumps(value)} (allowed: {allowed})')
            continue
        if text != UNKNOWN:
            values[qid] = text
    return values


def _parse_costs(raw: Any, problems: list[str]) -> dict[str, tuple[float, float]]:
    from crossroads.decision.costs import assumption_ids

    if not isinstance(raw, dict):
        problems.append('"costs" must map assumption ids to a number or [low, high]')
        return {}
    known = assumption_ids()
    costs: dict[str, tuple[float, float]] = {}
    for key, value in raw.items():
        if key.startswith("_"):
            continue
        if key not in known:
            problems.append(f'unknown cost assumption "{key}"{_suggest(key, sorted(known), "the template")}')
            continue
        pair = _as_range(value)
        if pair is None:
            problems.append(f'cost assumption "{key}" must be a number >= 0 or [low, high], not {json.dumps(value)}')
            continue
        costs[key] = pair
    return costs


def _as_range(value: Any) -> tuple[float, float] | None:
    def number(v: Any) -> bool:
        return isinstance(v, int | float) and not isinstance(v, bool) and v >= 0

    if number(value):
        return (float(value), float(value))
    if isinstance(value, list) and len(value) == 2 and all(number(v) for v in value) and value[0] <= value[1]:
        return (float(value[0]), float(value[1]))
    return None


def load_answers(path: str | os.PathLike[str]) -> Answers:
    """Read and validate an answers file; every failure is an InputError naming the file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"The answers file {p.name} was not found ({p}).") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"The answers file {p.name} could not be read: {exc}.") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"The answers file {p.name} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from None
    return Answers.from_dict(data)


def save_answers(answers: Answers, path: str | os.PathLike[str]) -> None:
    """Write atomically, so an interrupted save never leaves half a file in place of the old one."""
    write_atomic(Path(path), json.dumps(answers.to_dict(), indent=2, ensure_ascii=False) + "\n")


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write via a temporary file and a rename: readers see the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def template() -> dict[str, Any]:
    """An answers file with every question unanswered, explaining the questions, values and assumptions."""
    from crossroads.decision.costs import default_assumptions
    from crossroads.decision.measured import MEASURED_SCHEMA

    return {
        "format": FORMAT,
        "version": VERSION,
        "project": "",
        "answers": {q.id: UNKNOWN for q in questions()},
        "costs": {},
        "_how_to_fill_in": (
            'Replace each "unknown" in "answers" with one of the allowed values listed under '
            '"_questions". Leave "unknown" where you do not know. To change a cost assumption, add it to '
            '"costs" as a number or [low, high]. Run: crossroads decide --answers THIS_FILE.json'
        ),
        "_questions": [
            {
                "id": q.id,
                "page": q.topic_title,
                "question": q.prompt,
                "help": q.help,
                "allowed": {value: q.label(value) for value in q.values},
            }
            for q in questions()
        ],
        "_cost_assumptions": {
            a.id: {"label": a.label, "value": [a.low, a.high], "unit": a.unit, "source": a.source}
            for a in default_assumptions().values()
        },
        "_measured_file": MEASURED_SCHEMA,
    }
