"""A training run driven from an app thread: the app's cancel token reaches the training process.

The app cancels every job through one ``CancelToken`` (the Cancel button, closing the window); the training
process listens for its cancel file or SIGTERM. A watcher thread joins the two, so a cancel from anywhere stops the
run at the next example with a checkpoint kept, and the run can be resumed later.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from crossroads.cancel import CancelToken
from crossroads.errors import InputError
from crossroads.finetune import events as ev
from crossroads.finetune import pipeline, runs
from crossroads.finetune.job import JOB_FILE, TrainingJob

POLL_S = 0.2


def run_job(job: TrainingJob, cancel: CancelToken,
            on_event: Callable[[ev.TrainEvent], None] | None = None) -> pipeline.Outcome:
    """``pipeline.run`` with ``cancel`` forwarded to the process (a cancel before the start cancels at once)."""
    finished = threading.Event()

    def watch() -> None:
        while not finished.wait(POLL_S):
            if cancel.cancelled:
                job.cancel()
                return

    watcher = threading.Thread(target=watch, name="crossroads-train-cancel", daemon=True)
    watcher.start()
    try:
        return pipeline.run(job, on_event)
    finally:
        finished.set()
        watcher.join()


@dataclass(frozen=True)
class Unfinished:
    """A run stopped before its end (cancelled, or the app closed): it resumes from its checkpoint."""

    name: str
    step: int | None  # the checkpoint's step, when the run said it


def unfinished_runs(root: Path | None = None) -> list[Unfinished]:
    """Runs with a job file and a checkpoint but no kept adapter yet."""
    folder = root or runs.adapters_dir()
    if not folder.is_dir():
        return []
    found = []
    for run in sorted(folder.iterdir(), key=lambda p: p.name.casefold()):
        work = run / runs.WORK
        if (work / JOB_FILE).is_file() and (work / "checkpoint").is_dir() and not (run / runs.MANIFEST).is_file():
            found.append(Unfinished(run.name, None))
    return found


def taken_names(root: Path | None = None) -> list[str]:
    """Kept adapters and unfinished runs: a new run's name must differ from all of them (a run that failed
    before its first checkpoint holds nothing worth keeping, so its name is free again)."""
    folder = root or runs.adapters_dir()
    if not folder.is_dir():
        return []
    kept = [p.name for p in folder.iterdir() if (p / runs.MANIFEST).is_file()]
    return kept + [u.name for u in unfinished_runs(folder)]


def check_new_name(name: str, taken: Iterable[str] | None = None) -> str:
    clean = runs.check_name(name)
    used = {t.casefold() for t in (taken if taken is not None else taken_names())}
    if clean.casefold() in used:
        raise InputError(f"An adapter named “{clean}” already exists. Choose another name, or delete or rename "
                         "the kept one in the list below.")
    return clean
