"""One cancellation object, passed into the core and checked between tokens and between files."""

from __future__ import annotations

import threading

from crossroads.errors import Cancelled


class CancelToken:
    """A thread-safe flag. The UI or a signal handler sets it; the core checks it."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()


class _NeverCancelled(CancelToken):
    def cancel(self) -> None:
        raise RuntimeError("the shared NEVER token cannot be cancelled; create a CancelToken")


NEVER: CancelToken = _NeverCancelled()
"""A token nobody cancels, for callers that do not need cancellation."""
