"""Shared helpers for the benchmarks: medians, and the one output line scripts read."""

from __future__ import annotations

import argparse
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


def run_count(description: str | None, default: int = 3) -> int:
    """``--runs N`` (``--quick``: 1), for a script with no other options of its own."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--runs", type=int, default=default)
    parser.add_argument("--quick", action="store_true", help="one run of each")
    args, _ = parser.parse_known_args()  # run_all forwards every flag to every script: ignore others'
    return 1 if args.quick else args.runs
