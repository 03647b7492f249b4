"""The parent side of a training run: start the process, read its events, cancel it, resume it.

The process is a plain ``python -m crossroads.finetune.train_process``: its memory returns to the system when it
ends, and a crash or a cancel cannot take the app down. Its stderr goes to ``train.log`` in the work folder.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import crossroads
from crossroads.finetune import events as ev
from crossroads.finetune.job_spec import JobSpec

JOB_FILE = "job.json"
LOG_FILE = "train.log"


class TrainingJob:
    def __init__(self, spec: JobSpec, python: str | None = None) -> None:
        self.spec = spec
        self._python = python or sys.executable
        self._process: subprocess.Popen[str] | None = None
        self.last_error: str | None = None
        self._listening = False  # the process has spoken, so its SIGTERM handler is in place

    @property
    def log_path(self) -> Path:
        return self.spec.work_dir / LOG_FILE

    @property
    def can_resume(self) -> bool:
        """A checkpoint from an earlier, unfinished session is there: ``start`` continues from it."""
        return (self.spec.checkpoint_dir / "state.pt").is_file()

    def start(self) -> None:
        """Start (or continue from the checkpoint) in a new process."""
        if self.running:
            raise RuntimeError("this training job is already running")
        self.spec.work_dir.mkdir(parents=True, exist_ok=True)
        self.spec.cancel_file.unlink(missing_ok=True)
        self._listening = False
        job_file = self.spec.work_dir / JOB_FILE
        self.spec.save(job_file)
        env = dict(os.environ)
        package_root = str(Path(crossroads.__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        env["PYTHONUNBUFFERED"] = "1"
        log = open(self.log_path, "a", encoding="utf-8")  # noqa: SIM115 - the child holds it
        try:
            self._process = subprocess.Popen(
                [self._python, "-m", "crossroads.finetune.train_process", str(job_file)],
                stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL, text=True, encoding="utf-8",
                env=env, cwd=str(self.spec.work_dir),
            )
        finally:
            log.close()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def events(self) -> Iterator[ev.TrainEvent]:
        """The events as they come, until the process closes its output; a silent death becomes ``Failed``."""
        if self._process is None or self._process.stdout is None:
            raise RuntimeError("start the job first")
        ended = False
        stdout = self._process.stdout
        try:  # a reader that stops early (at a Cancelled or Failed event) still closes the pipe
            for line in stdout:
                if not line.strip():
                    continue
                event = ev.parse(line)
                self._listening = True
                if isinstance(event, ev.Failed):
                    self.last_error = event.message
                ended = ended or isinstance(event, ev.Done | ev.Cancelled | ev.Failed)
                yield event
        finally:
            stdout.close()
        code = self._process.wait()
        if not ended:
            reason = f"exit code {code}" if code >= 0 else f"signal {-code}"
            self.last_error = (f"The training process stopped unexpectedly ({reason}); details are in "
                               f"{self.log_path.name}. Start it again to continue from the last checkpoint.")
            yield ev.Failed(self.last_error)

    def cancel(self) -> None:
        """Ask the run to stop at the next example and save a checkpoint (the file works on every platform).

        The signal only wakes a process that has started listening: one still starting Python would die of it,
        without a checkpoint. Until then, it finds the cancel file at its first step."""
        self.spec.cancel_file.touch()
        if self.running and self._listening and sys.platform != "win32":
            self._process.send_signal(signal.SIGTERM)  # type: ignore[union-attr]

    def kill(self) -> None:
        """Stop at once, without a checkpoint (as a crash or power cut would)."""
        if self.running:
            self._process.kill()  # type: ignore[union-attr]

    def wait(self, timeout: float | None = None) -> int:
        if self._process is None:
            raise RuntimeError("start the job first")
        return self._process.wait(timeout)
