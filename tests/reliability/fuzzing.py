"""What the fuzz tests share: the example budget and a per-case time limit that turns a hang into a failure."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

EXAMPLES = int(os.environ.get("CROSSROADS_FUZZ_EXAMPLES", "40"))
"""Cases per fuzz test: small by default so the suite stays quick; ``make fuzz`` raises it."""
CASE_SECONDS = 5.0
"""A parser that takes longer than this on a file of a few KB is stuck, not slow."""


class Hang(Exception):
    """A case ran past CASE_SECONDS."""


@contextmanager
def time_limit(seconds: float = CASE_SECONDS) -> Iterator[None]:
    """Raise Hang in the main thread when the block runs too long (Python-level loops; POSIX only)."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum: int, frame: object) -> None:
        raise Hang(f"a single case took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
