"""``crossroads decide``: the decision wizard, headless.

crossroads decide --template > answers.json          every question, unanswered, with its allowed values
crossroads decide --answers answers.json             the recommendation as Markdown on stdout
crossroads decide --answers a.json --measured m.json --format pdf --out decision.pdf
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from crossroads.errors import InputError

FORMATS = ("md", "html", "pdf", "json")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "decide",
        help="recommend RAG, fine-tuning, a hybrid or another path from a filled-in answers file",
        description="Recommend RAG, fine-tuning, a hybrid, putting the documents in the prompt, or fixing "
        "retrieval first, with the reasons, their evidence, what would change it, and a cost estimate.",
    )
    parser.add_argument("--answers", metavar="FILE.json", help="answers file (start from --template)")
    parser.add_argument(
        "--measured",
        metavar="FILE.json",
        help="measured results from Compare/Evaluate (format: see the template)",
    )
    parser.add_argument("--format", choices=FORMATS, default="md", help="output format (default: md)")
    parser.add_argument(
        "--out", metavar="PATH", help="write to this file instead of stdout (required for pdf)"
    )
    parser.add_argument(
        "--template",
        action="store_true",
        help="print an answers file listing every question and its allowed values",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.template:
        if args.answers or args.measured:
            raise InputError("--template prints an empty answers file; leave out --answers and --measured.")
        from crossroads.decision.answers import template

        return _emit(
            json.dumps(template(), indent=2, ensure_ascii=False) + "\n", args.out, "answers template"
        )
    if not args.answers:
        raise InputError("Give an answers file with --answers FILE.json, or use --template to create one.")
    if args.format == "pdf" and not args.out:
        raise InputError("A PDF cannot go to the terminal: add --out FILE.pdf.")

    from crossroads.decision.answers import load_answers
    from crossroads.decision.measured import load_measured
    from crossroads.decision.scoring import recommend

    answers = load_answers(args.answers)
    measured = load_measured(args.measured) if args.measured else None
    rec = recommend(answers, measured)
    if args.format == "json":
        return _emit(json.dumps(rec.to_dict(), indent=2, ensure_ascii=False) + "\n", args.out, "decision")

    from crossroads.report import build_report, render_html, render_markdown, render_pdf

    report = build_report(rec)
    if args.format == "pdf":
        return _emit(render_pdf(report), args.out, "decision report")
    text = render_html(report) if args.format == "html" else render_markdown(report)
    return _emit(text, args.out, "decision report")


def _emit(data: str | bytes, out: str | None, what: str) -> int:
    if not out:
        assert isinstance(data, str)
        sys.stdout.write(data)
        return 0
    from crossroads.decision.answers import write_atomic

    path = Path(out)
    try:
        write_atomic(path, data)
    except OSError as exc:
        raise InputError(f"Could not write {path}: {exc.strerror or exc}.") from None
    print(f"Wrote the {what} to {path}", file=sys.stderr)
    return 0
