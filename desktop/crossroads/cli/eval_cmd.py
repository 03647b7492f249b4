"""``crossroads eval``: a question set through every mode, scored per question and in aggregate."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from crossroads.cli._progress import say
from crossroads.cli._session import (
    add_adapter_flags,
    add_model_flags,
    add_server_flag,
    base_columns,
    check_adapter,
    check_server,
    default_modes,
    finetuned_given,
    is_in_process,
    open_engine,
    open_kb,
    sampling,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "eval",
        help="score a question set (JSONL or CSV) in every mode",
        description='Each JSONL line: {"question": "...", "answers": ["...", ...]} (answers optional). '
        "Reports exact match, token F1, answer contained, groundedness and latency per mode.",
    )
    parser.add_argument("questions", type=Path, metavar="QA_FILE")
    parser.add_argument("--kb", help="knowledge base name or folder, or postgresql://USER@HOST:PORT/DB?kb=NAME "
                        "(needed for the 'rag' mode)")
    parser.add_argument("--modes", help="comma-separated: plain,rag,finetuned,finetuned+rag (default: every mode "
                        "--kb and --adapter allow; plain alone without them)")
    parser.add_argument("--limit", type=int, help="only the first N questions")
    add_adapter_flags(parser)
    add_model_flags(parser)
    add_server_flag(parser)
    parser.add_argument("--json", action="store_true", help="print the full results as one JSON object")
    parser.add_argument("--out", type=Path, help="also write the full JSON results to this file")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from crossroads.compare import check_modes
    from crossroads.errors import InputError
    from crossroads.evaluation.evaluate import SCORES, evaluate, load_questions

    check_server(args)
    if args.limit is not None and args.limit < 1:
        raise InputError("--limit must be at least 1.")
    items = load_questions(args.questions)
    if args.limit:
        items = items[: args.limit]
    modes = check_modes(args.modes or default_modes(args), bool(args.kb), finetuned_given(args))
    params = sampling(args)
    check_adapter(args)
    kb = embedder = None
    engine = None
    if args.kb:
        kb, embedder = open_kb(args.kb)
    try:
        engine = open_engine(args, base_columns(modes))
        if not is_in_process(engine):
            say(f"Sending the questions to {engine.location}…")

        def progress(done: int, total: int, result) -> None:  # type: ignore[no-untyped-def]
            marks = " ".join(
                f"{a.mode}:{'ok' if a.metrics.get('contained') else '--'}" for a in result.answers
            ) if result.item.answers else ""
            say(f"[{done}/{total}] {marks}  {result.item.question[:70]}")

        evaluation = evaluate(items, engine, modes, kb=kb, embedder=embedder, top_k=args.top_k, params=params,
                              on_result=progress)
    finally:
        if engine is not None:
            engine.close()
        if kb is not None:
            kb.close()
    where = evaluation.model if is_in_process(engine) else engine.location
    data = evaluation.to_dict()
    if args.out:
        args.out.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    if args.json:
        json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    summary = evaluation.summary()
    columns = ("questions", *SCORES, "median_words", "median_wall_s", "median_ttft_s", "median_tokens_per_s")
    width = max(8, *(len(m) + 1 for m in summary))
    print(f"{'mode':<{width}}" + "  ".join(f"{c:>14}" for c in columns))
    for mode, row in summary.items():
        print(f"{mode:<{width}}" + "  ".join(f"{_fmt(row[c]):>14}" for c in columns))
    print(f"{len(evaluation.results)} questions in {evaluation.seconds:.1f} s with {where}")
    return 0


def _fmt(value: float | int | None) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)
