"""``crossroads ask``: one question, answered side by side (JSON for scripts, readable text for people)."""

from __future__ import annotations

import argparse
import json
import sys

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
    open_engine,
    open_kb,
    sampling,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "ask",
        help="answer a question with the model alone and with your documents",
        description="Answer one question in several modes at once. With --json, stdout is one JSON object.",
    )
    parser.add_argument("question")
    parser.add_argument("--kb", help="knowledge base name or folder, or postgresql://USER@HOST:PORT/DB?kb=NAME "
                        "(needed for the 'rag' mode)")
    parser.add_argument("--modes", help="comma-separated: plain,rag,finetuned,finetuned+rag (default: every mode "
                        "--kb and --adapter allow; plain alone without them)")
    add_adapter_flags(parser)
    add_model_flags(parser)
    add_server_flag(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from crossroads.compare import check_request

    check_server(args)
    _, modes = check_request(args.question, args.modes or default_modes(args), bool(args.kb), finetuned_given(args))
    sampling(args)  # refuse bad settings before loading anything
    check_adapter(args)
    kb = embedder = None
    engine = None
    if args.kb:
        kb, embedder = open_kb(args.kb)
    try:
        engine = open_engine(args, base_columns(modes))
        answer_and_print(args.question, engine, modes, kb, embedder, args)
    finally:  # also when the question is refused: the model's memory goes back at once
        if engine is not None:
            engine.close()
        if kb is not None:
            kb.close()
    return 0


def answer_and_print(question: str, engine, modes: list[str], kb, embedder, args: argparse.Namespace) -> None:  # type: ignore[no-untyped-def]
    """One comparison, printed as JSON or as text; the demo reuses it with one loaded model for many questions.

    A single mode streams its tokens as they come; several modes are printed once all are done, in the order
    they were asked, so the columns read the same way every time.
    """
    from crossroads.compare import CompareEvent, ModeToken, run_comparison

    def stream(event: CompareEvent) -> None:
        if isinstance(event, ModeToken) and not args.json and len(modes) == 1:
            print(event.text, end="", flush=True)

    say(f"Answering with {_where(engine)} in {len(modes)} mode(s)…")
    comparison = run_comparison(question, engine, modes, on_event=stream, kb=kb, embedder=embedder,
                                top_k=args.top_k, params=sampling(args))
    ordered = comparison.answers
    if args.json:
        json.dump(comparison.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
        print()
    elif len(modes) == 1:
        print()
        if ordered[0].withheld:  # it streamed already: say plainly that it is not the documents' answer
            print(f"{ordered[0].text} (The answer above is withheld: it states a figure no passage contains.)")
        _print_figures(ordered[0])
        _print_sources(ordered[0])
    else:
        for answer in ordered:
            _print_answer(answer)


def _where(engine) -> str:  # type: ignore[no-untyped-def]
    """The model's name; for a server, its URL too: the user sees where the question is sent."""
    from crossroads.cli._session import is_in_process

    return engine.name if is_in_process(engine) else engine.location


def _print_figures(answer) -> None:
    t = answer.timings
    grounded = answer.metrics.get("grounded_share")
    g = f", grounded {grounded:.0%}" if isinstance(grounded, float) else ""
    about = "about " if t.estimated else ""  # a server that does not report its usage
    print(f"  ({about}{t.completion_tokens} tokens, first after {t.ttft_s:.2f} s, {t.tokens_per_s:.1f} tokens/s{g})")


def _print_answer(answer) -> None:
    from crossroads.compare import MODES

    adapter = f" ({answer.adapter})" if answer.adapter else ""
    print(f"== {MODES[answer.mode].label}{adapter} ==")
    print(answer.text or "(no answer)")
    if answer.withheld:
        print(f"  withheld: the model wrote “{answer.withheld}”, stating a figure no passage contains")
    _print_figures(answer)
    _print_sources(answer)
    print()


def _print_sources(answer) -> None:
    for source in answer.sources:
        print(f"  [{source.rank}] {source.label()}  (score {source.score:.3f})")
    if answer.unsupported:
        print(f"  not supported by the sources: {len(answer.unsupported)} sentence(s)")
