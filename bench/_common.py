"""Shared helpers for the benchmarks: medians, and the one output line scripts read."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def report(name: str, ours: float, baseline: float, unit: str, note: str = "") -> None:
    ratio = ours / baseline if baseline else float("nan")
    extra = f"  # {note}" if note else ""
    print(f"BENCH {name} ours={ours:.4g} baseline={baseline:.4g} ratio={ratio:.3f} {unit}{extra}", flush=True)


def median_of(runs: int, fn: Callable[[], float]) -> float:
    return statistics.median(fn() for _ in range(runs))


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    began = time.perf_counter()
    result = fn()
    return time.perf_counter() - began, result
