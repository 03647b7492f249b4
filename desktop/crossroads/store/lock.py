"""One writer at a time per knowledge base, across processes (the app and the CLI); readers never wait.

SQLite alone would keep two writers from corrupting the file, but two indexing runs on one knowledge base would
embed the same files twice and interleave their progress; the second is told plainly to wait instead. The lock is
an OS file lock (flock / LockFileEx through ``filelock``): it dies with its process, so a killed run never leaves
a knowledge base locked. Inside one process it is re-entrant and shared by all threads, since the process already
serialises its writes through the knowledge base's own lock.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from crossroads.errors import KnowledgeBaseError

LOCK_NAME = "write.lock"
WAIT_SECONDS = 0.5  # long enough for another process's quick removal, short enough to answer at once


class WriteLock:
    def __init__(self, folder: Path) -> None:
        from filelock import FileLock

        self._folder = folder
        self._lock = FileLock(folder / LOCK_NAME, timeout=WAIT_SECONDS, thread_local=False)

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Hold the lock for one change, or raise a message saying who has it."""
        from filelock import Timeout

        try:
            self._lock.acquire()
        except Timeout:
            raise busy(self._folder) from None
        except OSError as exc:
            raise KnowledgeBaseError(
                f"The knowledge base “{self._folder}” cannot be changed: {exc.strerror or exc}."
            ) from exc
        try:
            yield
        finally:
            self._lock.release()


def busy(folder: Path) -> KnowledgeBaseError:
    return busy_named(folder.name)


def busy_named(name: str) -> KnowledgeBaseError:
    """The same words for a knowledge base known by name only (one on a PostgreSQL server)."""
    return KnowledgeBaseError(
        f"The knowledge base “{name}” is being updated by another Crossroads window or command; "
        "try again when it finishes."
    )
