"""One generic worker: runs a core call off the UI thread and relays what it reports as Qt signals.

Every slow thing in the app (loading a model, indexing, a comparison, an evaluation, a PDF export) is a *job*: a
plain function ``job(cancel, emit) -> result`` that knows nothing of Qt. ``emit`` hands an event (a token, an
indexing step…) to the UI; the worker turns it into the ``event`` signal, which Qt delivers on the UI thread. So no
widget ever calls into llama.cpp, FAISS, sentence-transformers or a file parser, and every job can be cancelled the
same way: the core checks the ``CancelToken`` between tokens and between files.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from crossroads.cancel import CancelToken
from crossroads.errors import Cancelled, CrossroadsError

log = logging.getLogger(__name__)

Emit = Callable[[object], None]
Job = Callable[[CancelToken, Emit], Any]

UNEXPECTED = "Something went wrong that Crossroads did not expect: {detail}. Your data is unchanged."


class Worker(QObject):
    """Runs one job on its own thread. Connect to the signals, then ``start()``; ``cancel()`` asks it to stop.

    Exactly one of ``finished``, ``failed`` or ``cancelled`` is emitted at the end, then ``ended``.
    """

    event = Signal(object)
    finished = Signal(object)
    failed = Signal(str)  # a message a business user can read
    cancelled = Signal()
    ended = Signal()

    def __init__(self, job: Job, name: str = "job", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._job = job
        self.name = name
        self.token = CancelToken()
        self._thread: threading.Thread | None = None
        self.ended.connect(self._forget)  # runs on the UI thread, so the QObject is also released there

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError(f"worker {self.name} was already started")
        self._thread = threading.Thread(target=self._run, name=f"crossroads-{self.name}", daemon=True)
        _RUNNING.add(self)
        self._thread.start()

    def cancel(self) -> None:
        self.token.cancel()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job's thread ends (used only when closing the app); True if it did."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        try:
            result = self._job(self.token, self.event.emit)
        except Cancelled:
            self.cancelled.emit()
        except CrossroadsError as exc:
            self.failed.emit(exc.message)
        except MemoryError:
            self.failed.emit("The computer ran out of memory. Close other programs or choose a smaller model.")
        except Exception as exc:  # a bug: say so plainly, keep the app alive, keep the details in the log
            log.exception("worker %s failed", self.name)
            self.failed.emit(UNEXPECTED.format(detail=f"{type(exc).__name__}: {exc}"))
        else:
            self.finished.emit(result)
        finally:
            self.ended.emit()

    def _forget(self) -> None:
        _RUNNING.discard(self)


_RUNNING: set[Worker] = set()
"""Workers alive right now; keeps each referenced until it ends, and lets the app stop them all on close."""


def running_workers() -> list[Worker]:
    """Workers whose job has not ended. One whose thread is over counts as ended even if its ``ended`` signal has
    not reached the UI thread (or never will): a lost delivery must not leave "a job is running" true for ever."""
    for worker in list(_RUNNING):
        if not worker.running:  # workers are started on the UI thread, so none is caught between add and start
            _RUNNING.discard(worker)
    return list(_RUNNING)


def stop_all(timeout: float = 10.0) -> bool:
    """Cancel every running job and wait for them; True if all stopped in time."""
    workers = running_workers()
    for worker in workers:
        worker.cancel()
    deadline = timeout / max(1, len(workers))
    return all(worker.wait(deadline) for worker in workers)
