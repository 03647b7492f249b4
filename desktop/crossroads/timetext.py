"""Lengths of time as the app and the command line write them: one place, so a run's estimate reads the same in the
Library, Evaluate and Fine-tune tabs and in the terminal."""

from __future__ import annotations


def duration(seconds: float) -> str:
    """An estimate or a total as people say it: "40 s", "12 min", "1.5 h"."""
    if seconds < 90:
        return f"{max(0, seconds):.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def clock(seconds: float) -> str:
    """A running clock: "0:42", "12:05", "1:02:09"."""
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def time_left(elapsed_s: float, done: int, total: int) -> float | None:
    """The rest takes as long per item as the items before it; nothing to say before the first is done."""
    if done <= 0 or total <= done:
        return None
    return elapsed_s / done * (total - done)
