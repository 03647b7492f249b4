"""Run every benchmark, each in its own process, and pass their ``BENCH`` lines through (``make bench``).

A process per script keeps one benchmark's thread pools, page cache warm-ups and memory from colouring the next.
``--quick`` asks each script for fewer runs; any other flags (or those after ``--``) are forwarded to every script
that runs, so use ``--only`` to aim a flag at one of them, e.g. ``run_all.py --only generation --model NAME``.
``--full`` adds the slow measurements the default run leaves out: today retrieval at 1M passages (``FULL_ARGS``;
its first run builds a cached 1M-passage knowledge base, ~25 minutes on 2 cores, later runs a few minutes).
The default run (``make bench``) measures retrieval at 10k and 100k only. ``make bench BENCH_ARGS=--full``.
Exit code: 0 when every script succeeded, else 1 (the others still run).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# What --full adds for each script.
FULL_ARGS = {
    "bench_retrieval": ["--sizes", "10000,100000,1000000"],
}

# What "fewer runs" means for each script; scripts not listed here take --quick themselves.
QUICK_ARGS = {
    "bench_generation": ["--runs", "2", "--tokens", "64"],
}


def scripts(only: list[str]) -> list[Path]:
    found = sorted(HERE.glob("bench_*.py"))
    if not only:
        return found
    chosen = [p for p in found if any(name in p.stem for name in only)]
    if not chosen:
        sys.exit(f"run_all: no benchmark matches {', '.join(only)} (have: {', '.join(p.stem for p in found)})")
    return chosen


def run(script: Path, args: list[str]) -> tuple[int, list[str]]:
    """Run one script, echoing its stdout as it comes; its BENCH lines are returned too."""
    lines: list[str] = []
    with subprocess.Popen([sys.executable, str(script), *args], stdout=subprocess.PIPE, text=True,
                          cwd=HERE) as process:
        assert process.stdout is not None
        for line in process.stdout:
            print(line, end="", flush=True)
            if line.startswith("BENCH "):
                lines.append(line.rstrip("\n"))
    return process.returncode, lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer runs of each benchmark")
    parser.add_argument("--full", action="store_true", help="add the slow sizes too (retrieval at 1M passages)")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help="run only the benchmarks whose name contains NAME (repeatable)")
    args, forwarded = parser.parse_known_args()
    forwarded = [a for a in forwarded if a != "--"]
    failed: list[str] = []
    results: list[str] = []
    for script in scripts(args.only):
        extra = QUICK_ARGS.get(script.stem, ["--quick"]) if args.quick else []
        extra += FULL_ARGS.get(script.stem, []) if args.full else []
        print(f"# {script.stem} {' '.join(extra + forwarded)}".rstrip(), flush=True)
        began = time.perf_counter()
        code, lines = run(script, extra + forwarded)
        results.extend(lines)
        print(f"# {script.stem} finished in {time.perf_counter() - began:.0f} s (exit {code})", flush=True)
        if code != 0:
            failed.append(script.stem)
    print(f"# {len(results)} BENCH lines" + (f"; failed: {', '.join(failed)}" if failed else ""), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
