"""How long something took and about how long it will still take, as the progress labels write it."""

from __future__ import annotations


def clock(seconds: float) -> str:
    """"0:42", "12:05", "1:02:09"."""
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def time_left(elapsed_s: float, done: int, total: int) -> float | None:
    """The rest takes as long per item as the items before it; nothing to say before the first is done."""
    if done <= 0 or total <= done:
        return None
    return elapsed_s / done * (total - done)
