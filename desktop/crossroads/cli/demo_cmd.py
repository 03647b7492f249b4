"""``crossroads demo``: the sample company's documents, indexed once, and its scripted questions side by side."""

from __future__ import annotations

import argparse

from crossroads.cli._progress import say
from crossroads.cli._session import add_model_flags


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="index the sample documents and answer the demo questions side by side, in the terminal",
        description="Builds the 'demo' knowledge base from the bundled sample documents (once), then asks the "
        "scripted questions with the model alone and with the documents, and, when the demo's adapter fits the "
        "model, fine-tuned too.",
    )
    parser.add_argument("--questions", type=int, default=3, metavar="N", help="how many demo questions to ask")
    add_model_flags(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from crossroads.cli import index_cmd
    from crossroads.cli._session import is_in_process, open_engine, open_kb
    from crossroads.cli.ask_cmd import answer_and_print
    from crossroads.demo import DEMO_KB, demo_adapter_for, demo_copies_elsewhere, demo_documents, demo_questions

    say("Preparing the demo knowledge base (first time only)…")
    index_args = argparse.Namespace(
        paths=[demo_documents()], kb=DEMO_KB, embedding_model=None, chunk_tokens=200, chunk_overlap=40, json=False
    )
    code = index_cmd.run(index_args)
    if code != 0:
        return code
    modes = ["plain", "rag"]
    kb, embedder = open_kb(DEMO_KB)
    engine = None
    try:
        for path in demo_copies_elsewhere(d.path for d in kb.documents()):
            kb.remove(path)  # another installation's copy: every passage would otherwise be retrieved twice
        engine = open_engine(args, len(modes))
        if is_in_process(engine) and engine.adapter_path is None:
            shipped = demo_adapter_for(engine.path)  # trained on exactly these weights, else no fine-tuned columns
            if shipped is not None:
                engine.load_adapter(shipped)
        if getattr(engine, "adapter_path", None) is not None:
            modes += ["finetuned", "finetuned+rag"]
            say(f"Fine-tuned columns: the adapter {engine.adapter_name}, trained on the demo documents.")
        printing = argparse.Namespace(**{**vars(args), "json": False})
        for number, item in enumerate(demo_questions()[: args.questions], start=1):
            hint = "" if item.in_documents else "  (not in the documents: watch which answer makes something up)"
            print(f"\n### Question {number}: {item.question}{hint}\n", flush=True)
            answer_and_print(item.question, engine, modes, kb, embedder, printing)
    finally:
        if engine is not None:
            engine.close()
        kb.close()
    return 0
