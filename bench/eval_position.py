"""Where the answer sat in what the model read, and how often the model then got it: read off a harness run.

    .venv/bin/python bench/eval_position.py RESULTS.json.gz [--pipeline ours] [--mode rag]

``RESULTS.json.gz`` is an ``eval_quality.py --out`` file. Its sources are stored in the order the model read them,
so for each answerable question this finds the first source that holds an expected answer, and prints one line per
set and place (``none``: no source holds it)::

    POSITION <set> first_source_with_answer=<k> n=<questions> contained=<share answered right>
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path


def positions(rows: Sequence[dict], hit: Callable[[Sequence[str], Sequence[str]], float]) -> dict[str, list[float]]:
    """For each place of the first source holding an answer, the contained scores of its questions."""
    by_place: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        if not row.get("answerable", True) or not row.get("gold"):
            continue
        place = next((str(k) for k, text in enumerate(row.get("passages") or [], start=1)
                      if hit([text], row["gold"])), "none")
        by_place[place].append(float(row["contained"]))
    return by_place


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("--pipeline", default="ours")
    parser.add_argument("--mode", default="rag")
    args = parser.parse_args(argv)

    from crossroads.evaluation.metrics import retrieval_hit

    opener = gzip.open if args.results.suffix == ".gz" else open
    try:
        with opener(args.results, "rt", encoding="utf-8") as f:
            data = json.load(f)
        runs_by_set = data["sets"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        parser.error(f"{args.results} is not a file written by eval_quality.py --out ({type(exc).__name__}: {exc})")
    for name, runs in runs_by_set.items():
        rows = runs.get(f"{args.pipeline}/{args.mode}", [])
        places = positions(rows, retrieval_hit)
        for place in sorted(places, key=lambda p: (p == "none", p.zfill(3))):
            scores = places[place]
            print(f"POSITION {name} first_source_with_answer={place} n={len(scores)} "
                  f"contained={statistics.fmean(scores):.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
