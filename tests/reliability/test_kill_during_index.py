"""Nothing lost: `crossroads index` and `crossroads kb remove-doc`, SIGKILLed at more than 50 moments.

The kills are aimed with ``CROSSROADS_FAULT_AT`` (see ``crossroads.faults``), so every phase of a write is hit on
purpose, not by luck: after reading a file, after an embedding batch, inside a file's transaction (before
COMMIT), half-way through writing the FAISS file (at the end of a run, or when a run opens a knowledge base whose
FAISS file an earlier kill left stale), inside a removal. Kills at fixed delays cover the moments in between
(SQLite's own commit and checkpoint, the rename of the FAISS file).

Each round indexes with its own chunk size, so its first run replaces every document; its kills then each let a
run get a little further, as a user re-running after each crash would. After every kill the knowledge base must
open, pass ``KnowledgeBase.check``, and hold every document that was indexed before the run plus every document
the run reported indexed. At the end of a round a run to the end must index the rest and skip what was done, with
no passage stored twice.

Runs are forked from a server that has imported the heavy modules (see ``harness.Forked``): on a busy 2-core
machine ``python -m crossroads`` spends ~15 s importing, which would stretch 60 kills to a quarter of an hour. The
last run of the test is a real ``python -m crossroads index``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crossroads.store.knowledge_base import DB_NAME

from .corpus import write_corpus
from .harness import Run, Verdict, inspect, run

pytestmark = pytest.mark.reliability

FILES = 32
ROUNDS = (120, 104, 136, 112, 128)  # a chunk size per round: a new size makes every document be read again
# (fault point, or a delay in seconds after the line that starts with ``when``); each round in this order.
KILLS: list[tuple[str | None, float | None, str]] = [
    ("parse:2", None, ""),
    ("commit:3", None, ""),  # two files committed, the FAISS file left behind them
    ("faiss_save:1", None, ""),  # so the next run rebuilds it on opening, and dies writing it
    ("embed:1", None, ""),
    (None, 0.5, "Indexing into"),
    ("commit:6", None, ""),
    ("faiss_save:1", None, ""),
    ("parse:5", None, ""),
    ("embed:2", None, ""),
    ("commit:2", None, ""),
    ("faiss_save:1", None, ""),
    (None, 0.0, "indexed  "),  # amid the commits, or the final FAISS save
]
DELAY_STEP = {"Indexing into": 0.4, "indexed  ": 0.02}  # timed kills move later by this much each round
_DONE = re.compile(r"Done in [\d.]+ s: (\d+) indexed \(\d+ chunks\), (\d+) unchanged, (\d+) failed")


class Tally:
    def __init__(self) -> None:
        self.tried = self.survived = 0
        self.phases: dict[str, int] = {}
        self.lost: list[str] = []
        self.problems: list[str] = []

    def judge(self, what: str, phase: str, result: Run, verdict: Verdict) -> None:
        if result.killed:
            self.tried += 1
            self.survived += not (verdict.problems or verdict.lost)
            self.phases[phase] = self.phases.get(phase, 0) + 1
        self.lost += verdict.lost
        self.problems += [f"{what}: {p}" for p in verdict.problems]

    def line(self) -> str:
        phases = " ".join(f"{k}={v}" for k, v in sorted(self.phases.items()))
        return (f"RELIABILITY kills survived={self.survived}/{self.tried} documents_lost={len(set(self.lost))}"
                f"  # {phases}")


def test_killing_indexing_and_removal_at_any_moment_loses_nothing(
    tmp_path: Path, embedding_model_path: Path
) -> None:
    folder = tmp_path / "client"
    write_corpus(folder, FILES)
    kb = tmp_path / "kb"
    tally = Tally()
    before: dict[str, tuple[str, int]] = {}

    def index(step: str, fault: str | None, delay: float | None, tokens: int, forked: bool = True,
              when: str = "") -> Run:
        nonlocal before
        args = ["index", str(folder), "--kb", str(kb), "--chunk-tokens", str(tokens), "--chunk-overlap", "16",
                "--embedding-model", str(embedding_model_path)]
        result = run(args, tmp_path / f"{step}.log", fault, delay, when, forked=forked)
        if (kb / DB_NAME).exists():  # not when killed before creating it
            verdict = inspect(kb, before, result.reported_indexed(), tokens)
            phase = fault.split(":")[0] if fault else "timed-" + "-".join(when.lower().split())
            tally.judge(f"{step} ({fault or f'{delay} s'})", phase, result, verdict)
            before = verdict.documents or before
        if not result.killed:
            assert result.code == 0, result.stderr[-3000:]
        return result

    def finish(step: str, tokens: int, forked: bool = True) -> None:
        """A run to the end: the rest is indexed, what was done is skipped, nothing is stored twice."""
        done = sum(1 for state_tokens in before.values() if state_tokens == ("indexed", tokens))
        result = index(step, None, None, tokens, forked)
        counts = _DONE.search(result.stderr)
        assert counts, result.stderr[-3000:]
        assert tuple(map(int, counts.groups())) == (FILES - done, done, 0), result.stderr[-3000:]
        assert sorted(before.values()) == [("indexed", tokens)] * FILES

    for number, tokens in enumerate(ROUNDS):
        for step, (fault, delay, when) in enumerate(KILLS):
            moved = None if delay is None else delay + DELAY_STEP[when] * number
            index(f"round-{number}-kill-{step}", fault, moved, tokens, when=when)
        finish(f"round-{number}-finish", tokens)

    # Removing a document, killed inside its transaction or while the FAISS file is written.
    tokens = ROUNDS[-1]
    for number, fault in enumerate(["remove:1", "faiss_save:1"] * 3):
        target = sorted(before)[number]
        result = run(["kb", "remove-doc", str(kb), target], tmp_path / f"remove-{number}.log", fault, forked=True)
        verdict = inspect(kb, {p: v for p, v in before.items() if p != target}, set(), tokens)
        tally.judge(f"remove-{number} ({fault})", "remove" if fault == "remove:1" else "faiss_save", result, verdict)
        if verdict.documents.get(target) not in (None, ("indexed", tokens)):
            tally.problems.append(f"remove-{number}: {target} is half removed")
        again = run(["kb", "remove-doc", str(kb), target], tmp_path / f"remove-{number}-again.log", forked=True)
        assert again.code == (0 if target in verdict.documents else 1), again.stderr
        before = inspect(kb, {}, set(), tokens).documents
        assert target not in before
    removed = FILES - len(before)
    result = index("after-removals", None, None, tokens, forked=False)  # the real command, start to end
    assert f"{removed} indexed" in result.stderr and f"{FILES - removed} unchanged" in result.stderr

    print(f"\n{tally.line()}")
    assert not tally.problems, tally.problems
    assert not tally.lost, tally.lost
    assert tally.tried >= 50, tally.line()
    assert tally.survived == tally.tried
