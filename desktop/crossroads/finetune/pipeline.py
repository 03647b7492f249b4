"""One fine-tune from examples to a kept adapter: split, write the job, run the process, keep the result.

What the CLI and the app share; each only chooses the examples and shows the events.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from crossroads.errors import CrossroadsError, InputError
from crossroads.finetune import events as ev
from crossroads.finetune import runs
from crossroads.finetune.examples import TrainingExample, split, write_jsonl
from crossroads.finetune.installed import check_installed
from crossroads.finetune.job import TrainingJob
from crossroads.finetune.job_spec import JobSpec
from crossroads.finetune.plan import TrainSettings

TRAIN_FILE = "train.jsonl"
VALIDATION_FILE = "validation.jsonl"


@dataclass(frozen=True)
class Outcome:
    run: runs.AdapterRun | None  # None when cancelled
    done: ev.Done | None
    cancelled_at: int | None = None


def prepare(name: str, model_path: Path, examples: Sequence[TrainingExample], settings: TrainSettings,
            system_message: str = "", validation_share: float = 0.15, verify_prompts: Sequence[str] = (),
            ) -> TrainingJob:
    """Write the run's data and job into ``adapters/<name>/work`` (an unfinished run of that name is refused)."""
    check_installed()
    work = runs.work_dir(name)
    if (work / "checkpoint").exists():
        raise InputError(f"An unfinished fine-tune named “{name}” exists. Resume it, or delete it first "
                         f"(crossroads finetune delete {name}).")
    if not examples:
        raise InputError("There are no training examples.")
    train, held = split(examples, validation_share, settings.seed)
    work.mkdir(parents=True, exist_ok=True)
    write_jsonl(train, work / TRAIN_FILE)
    write_jsonl(held, work / VALIDATION_FILE)
    spec = JobSpec(model_path=model_path.resolve(), work_dir=work, train_file=work / TRAIN_FILE,
                   validation_file=(work / VALIDATION_FILE) if held else None, settings=settings,
                   system_message=system_message, verify_prompts=tuple(verify_prompts))
    return TrainingJob(spec)


def resume(name: str) -> TrainingJob:
    """The unfinished run of that name, to start again from its checkpoint."""
    from crossroads.finetune.job import JOB_FILE

    check_installed()
    job_file = runs.work_dir(name) / JOB_FILE
    if not job_file.is_file():
        raise InputError(f"There is no unfinished fine-tune named “{name}” to resume.")
    return TrainingJob(JobSpec.load(job_file))


def run(job: TrainingJob, on_event: Callable[[ev.TrainEvent], None] | None = None) -> Outcome:
    """Run to the end (or the cancel); keep the adapter with its manifest."""
    job.start()
    done: ev.Done | None = None
    for event in job.events():
        if on_event is not None:
            on_event(event)
        if isinstance(event, ev.Failed):
            job.wait()
            raise CrossroadsError(event.message)
        if isinstance(event, ev.Cancelled):
            job.wait()
            return Outcome(None, None, event.step)
        if isinstance(event, ev.Done):
            done = event
    job.wait()
    if done is None:
        raise CrossroadsError("The training process ended without a result.")
    return Outcome(keep(job.spec, done), done)


def keep(spec: JobSpec, done: ev.Done) -> runs.AdapterRun:
    from crossroads.finetune.examples import read_jsonl

    train = read_jsonl(spec.train_file)
    held = read_jsonl(spec.validation_file) if spec.validation_file else []
    manifest = runs.Manifest(
        name=spec.work_dir.parent.name, base_model=spec.model_path.name,
        base_sha256=runs.model_sha256(spec.model_path),
        data={"train": len(train), "validation": len(held),
              "sources": dict(Counter(e.source for e in [*train, *held]))},
        settings=spec.settings.to_dict(), train_losses=done.train_losses, eval_losses=done.eval_losses,
        best_eval_loss=done.best_eval_loss, steps=done.steps, seconds=done.seconds,
        seconds_per_step=done.seconds_per_step, dtype=done.dtype, peak_bytes=done.peak_bytes, verified=done.verified,
        parity=done.parity,
    )
    return runs.save_run(spec.work_dir.parent.name, Path(done.adapter), manifest)
