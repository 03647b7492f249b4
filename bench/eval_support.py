"""How far the green/red support marks can be trusted: the app's check against sentences labelled by hand.

``bench/data/support-labels/sentences.jsonl`` holds answer sentences the app really showed (both columns, the demo
and the ``make eval`` sets), each with the passages the documents column listed and a hand label: ``supported``
when one passage states what the sentence claims (a harmless extra clause or a paraphrase is fine), ``unsupported``
when a figure, name, negation or claim is not in the passages. This prints, for the app's check::

    EVAL support lexical n=<n> agreement=<x> unsupported_precision=<x> unsupported_recall=<x> ...

``unsupported_precision``: of the sentences tinted red, the share that really is unsupported (a red mark on a right
answer is the worst thing to show a client); ``unsupported_recall``: of the unsupported sentences, the share tinted
red. ``--build RESULTS.json`` turns ``eval_quality.py --out`` files into new unlabelled items to label.

``--model-check [--model PATH.gguf]`` measures a candidate the app does not use: the chat model as the judge. It is
shown the two source sentences that share most words with the answer sentence and asked whether the statement is
true according to them; the margin of "Yes" over "No" in its next-token logits is the score. It prints how well that
score separates the labels (AUC, on all sentences and on those the app marks green, where the app's misses are)
and the agreement of "red if the app says red or the margin is below T" at the best T, which flatters it::

    EVAL support model-check n=<n> auc=<x> auc_where_green=<x> threshold=<x> combined_agreement=<x> added_red=<n>
        added_red_on_supported=<n>

``--threshold T`` scores a threshold chosen beforehand instead, and ``--batch N`` keeps one labelling batch: a
threshold chosen on batch 1 and scored on batch 2 is a measurement, not a fit. Labels come in batches (an item's
``batch``, 1 when absent) so that a check tuned on one batch can be scored on sentences labelled after it.
"""

from __future__ import annotations

import argparse
import gzip
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


def _closest_sentences(sentence: str, passages: Sequence[str], count: int = 2) -> list[str]:
    from crossroads.evaluation.metrics import content_stems, split_sentences

    words = set(content_stems(sentence))
    found = [line[s:e] for p in passages for line in p.splitlines() for s, e in split_sentences(line)]
    return sorted(found, key=lambda u: -len(words & set(content_stems(u))))[:count]


def model_margins(items: Sequence[dict[str, Any]], model: Path, threads: int) -> list[float]:
    """Logit of "Yes" minus logit of "No" for each item, the model asked in its own chat template."""
    import ctypes

    import llama_cpp
    import numpy as np

    from crossroads.engine import llama_log
    from crossroads.engine.chat_template import ChatTemplate, Message
    from crossroads.models.gguf_info import read_gguf_info

    llama_log.silence()
    info = read_gguf_info(model)
    llm = llama_cpp.Llama(str(model), n_ctx=2048, n_threads=threads, verbose=False)
    template = ChatTemplate(info.chat_template, info.bos_token or "", info.eos_token or "", [], info.name)
    yes = {llm.tokenize(w.encode(), add_bos=False)[0] for w in ("Yes", " Yes")}
    no = {llm.tokenize(w.encode(), add_bos=False)[0] for w in ("No", " No")}
    margins = []
    for item in items:
        text = " ".join(_closest_sentences(item["sentence"], item["passages"]))
        ask = (f"Text: {text}\n\nStatement: {item['sentence']}\n\n"
               "Is the statement true according to the text? Answer Yes or No.")
        rendered = template.render([Message("system", "You check whether a statement is true according to a text."),
                                    Message("user", template.neutralise(ask))])
        tokens = llm.tokenize(rendered.encode(), add_bos=not template.starts_with_bos(rendered), special=True)
        llm.reset()
        llm.eval(tokens)
        # The last position's logits straight from the context: the public ``scores`` are filled only with
        # logits_all=True, which keeps a row of 151,936 floats for every token of the context.
        logits = np.ctypeslib.as_array(ctypes.cast(llm._ctx.get_logits(), ctypes.POINTER(ctypes.c_float)),
                                       shape=(llm.n_vocab(),))
        margins.append(float(max(logits[t] for t in yes) - max(logits[t] for t in no)))
    llm.close()
    return margins


def _auc(scores: Sequence[float], positive: Sequence[bool]) -> float | None:
    """The chance that a supported sentence scores above an unsupported one (ties count half)."""
    pos = [s for s, p in zip(scores, positive, strict=True) if p]
    neg = [s for s, p in zip(scores, positive, strict=True) if not p]
    if not pos or not neg:
        return None
    return sum((a > b) + 0.5 * (a == b) for a in pos for b in neg) / (len(pos) * len(neg))


def model_check(items: Sequence[dict[str, Any]], model: Path, threads: int,
                threshold: float | None = None) -> dict[str, Any]:
    """The judge's margins against the labels; "red when the app says red or the margin is below the threshold"
    scored at ``threshold``, or at the best threshold for these very labels when none is given (which flatters)."""
    marks = [judge(item) for item in items]
    kept = [(item, mark) for item, mark in zip(items, marks, strict=True) if mark != "unchecked"]
    margins = model_margins([item for item, _ in kept], model, threads)
    supported = [item["label"] == "supported" for item, _ in kept]
    green = [i for i, (_, mark) in enumerate(kept) if mark == "supported"]

    def combined(cut: float) -> tuple[float, int, int]:
        red = [mark == "unsupported" or m < cut for (_, mark), m in zip(kept, margins, strict=True)]
        added = [ok for r, (_, mark), ok in zip(red, kept, supported, strict=True) if r and mark == "supported"]
        agree = sum(r != ok for r, ok in zip(red, supported, strict=True)) / len(kept)
        return agree, len(added), sum(added)

    cuts = [threshold] if threshold is not None else [*sorted(set(margins)), max(margins) + 1]
    agree, cut = max((combined(c)[0], c) for c in cuts)
    _, added, added_supported = combined(cut)
    return {"n": len(kept), "auc": _auc(margins, supported),
            "auc_where_green": _auc([margins[i] for i in green], [supported[i] for i in green]),
            "threshold": cut, "combined_agreement": agree, "added_red": added,
            "added_red_on_supported": added_supported}


def in_batch(items: Sequence[dict[str, Any]], batch: int) -> list[dict[str, Any]]:
    """The sentences of one labelling batch (the first batch's items carry no number)."""
    return [i for i in items if i.get("batch", 1) == batch]


def _figures(figures: dict[str, Any]) -> str:
    return " ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in figures.items())


def build(results: Sequence[Path]) -> list[dict[str, Any]]:
    """Every sentence of every answer in ``eval_quality.py --out`` files, with its passages, unlabelled."""
    from crossroads.evaluation.metrics import split_sentences

    items: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for path in results:
        opener = gzip.open if path.suffix == ".gz" else open  # the harness writes .json.gz as a rule
        with opener(path, "rt", encoding="utf-8") as f:
            data = json.load(f)
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
    parser.add_argument("--model-check", action="store_true", help="also measure the chat model as the judge")
    parser.add_argument("--model", type=Path, help="with --model-check: a GGUF chat model (default: the app's)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--threshold", type=float,
                        help="with --model-check: this margin instead of the best one for these labels")
    parser.add_argument("--batch", type=int, help="with --model-check: only the sentences of this labelling batch")
    args = parser.parse_args(argv)
    if args.build:
        items = build(args.build)
        text = "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items)
        (args.out.write_text(text, encoding="utf-8") if args.out else sys.stdout.write(text))
        print(f"# {len(items)} sentences", file=sys.stderr)
        return 0
    items = [i for i in load(args.labels) if i.get("label") in ("supported", "unsupported")]
    batches = sorted({i.get("batch", 1) for i in items})
    print(f"EVAL support lexical {_figures(score(items))}", flush=True)
    for batch in batches if len(batches) > 1 else []:
        print(f"EVAL support lexical batch={batch} {_figures(score(in_batch(items, batch)))}", flush=True)
    if args.model_check:
        from crossroads.models.catalog import resolve_chat_model

        judged = in_batch(items, args.batch) if args.batch is not None else items
        from crossroads.errors import CrossroadsError

        try:
            checked = model_check(judged, args.model or resolve_chat_model(None), args.threads, args.threshold)
        except CrossroadsError as exc:  # no such model, not a GGUF, no chat template: say so, not a traceback
            parser.error(exc.message)
        where = f"batch={args.batch} " if args.batch is not None else ""
        print(f"EVAL support model-check {where}{_figures(checked)}", flush=True)
    if args.show:
        for item in items:
            mark = judge(item)
            if args.show == "all" or (mark != "unchecked" and mark != item["label"]):
                print(f"[{item['label']:>11} | app {mark:>11}] {item['sentence']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
