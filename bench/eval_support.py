"""How far the green/red support marks can be trusted: the app's check against sentences labelled by hand.

``bench/data/support-labels/sentences.jsonl`` holds answer sentences the app really showed (both columns, the demo
and the ``make eval`` sets), each with the passages the documents column listed and a hand label: ``supported``
when one passage states what the sentence claims (a harmless extra clause or a paraphrase is fine), ``unsupported``
when a figure, name, negation or claim is not in the passages. This prints, for the app's check::

    EVAL support lexical n=<n> agreement=<x> unsupported_precision=<x> unsupported_recall=<x> ...

``unsupported_precision``: of the sentences tinted red, the share that really is unsupported (a red mark on a right
answer is the worst thing to show a client); ``unsupported_recall``: of the unsupported sentences, the share tinted
red. ``--build RESULTS.json`` turns ``eval_quality.py --out`` files into new unlabelled items to label.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
LABELS = REPO / "bench" / "data" / "support-labels" / "sentences.jsonl"


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def judge(item: dict[str, Any]) -> str:
    """The app's mark for the item's sentence, read off the same groundedness call the Compare tab makes."""
    from crossroads.evaluation.metrics import groundedness

    answer, start, end = item["answer"], item["start"], item["end"]
    support = groundedness(answer, item["passages"], item["question"])
    for sentence in support.sentences:
        if sentence.start == start and sentence.end == end:
            if not sentence.checkable:
                return "unchecked"
            return "supported" if sentence.supported else "unsupported"
    raise SystemExit(f"the sentence split changed; rebuild the item: {answer[start:end]!r}")


def score(items: Sequence[dict[str, Any]]) -> dict[str, Any]:
    pairs = [(item["label"], judge(item)) for item in items]
    checked = [(label, mark) for label, mark in pairs if mark != "unchecked"]
    agree = sum(label == mark for label, mark in checked)
    red = [label for label, mark in checked if mark == "unsupported"]
    bad = [mark for label, mark in checked if label == "unsupported"]
    return {
        "n": len(checked),
        "unchecked": len(pairs) - len(checked),
        "agreement": agree / len(checked) if checked else None,
        "unsupported_precision": red.count("unsupported") / len(red) if red else None,
        "unsupported_recall": bad.count("unsupported") / len(bad) if bad else None,
        "labelled_unsupported": len(bad),
    }


def build(results: Sequence[Path]) -> list[dict[str, Any]]:
    """Every sentence of every answer in ``eval_quality.py --out`` files, with its passages, unlabelled."""
    from crossroads.evaluation.metrics import split_sentences

    items: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for path in results:
        data = json.loads(path.read_text(encoding="utf-8"))
        for set_name, runs in data["sets"].items():
            rag_passages = {r["question"]: r.get("passages") for r in runs.get("ours/rag", [])}
            for run, rows in runs.items():
                if not run.startswith("ours/"):
                    continue  # the app marks its own columns, against its own passages
                for row in rows:
                    passages = rag_passages.get(row["question"])
                    if not passages:
                        continue
                    for start, end in split_sentences(row["answer"]):
                        key = (row["question"], row["answer"][start:end])
                        if key in seen:
                            continue
                        seen.add(key)
                        items.append({
                            "set": set_name, "mode": run.split("/")[1], "question": row["question"],
                            "answer": row["answer"], "start": start, "end": end,
                            "sentence": row["answer"][start:end], "passages": passages, "label": None,
                        })
    return items


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--build", type=Path, nargs="+", metavar="RESULTS_JSON", help="write unlabelled items")
    parser.add_argument("--out", type=Path, help="with --build: where to write them (JSONL)")
    parser.add_argument("--show", choices=("disagree", "all"), help="list the sentences and both marks")
    args = parser.parse_args(argv)
    if args.build:
        items = build(args.build)
        text = "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items)
        (args.out.write_text(text, encoding="utf-8") if args.out else sys.stdout.write(text))
        print(f"# {len(items)} sentences", file=sys.stderr)
        return 0
    items = [i for i in load(args.labels) if i.get("label") in ("supported", "unsupported")]
    figures = score(items)
    print(
        "EVAL support lexical "
        + " ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in figures.items()),
        flush=True,
    )
    if args.show:
        for item in items:
            mark = judge(item)
            if args.show == "all" or (mark != "unchecked" and mark != item["label"]):
                print(f"[{item['label']:>11} | app {mark:>11}] {item['sentence']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
