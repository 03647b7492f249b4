"""``crossroads finetune``: train a LoRA adapter on a knowledge base or on question-answer pairs, on the CPU.

``crossroads finetune --kb KB | --data QA.jsonl [--model M] [--steps N] [--name NAME]`` builds (or reads) the
training data, trains in a separate process, converts the adapter to GGUF, checks it in llama.cpp and prints its
path; ``list``, ``rename OLD NEW`` and ``delete NAME`` manage the kept adapters. Progress goes to stderr.

For a GPU box: ``--export DIR [--trainer axolotl,llama-factory]`` builds the same data, writes it with ready-to-run
trainer configurations and trains nothing; ``import FOLDER_OR_GGUF [--model BASE] [--name NAME]`` brings the
trainer's PEFT adapter back as a kept GGUF adapter.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from crossroads.cli._progress import say
from crossroads.errors import Cancelled, InputError
from crossroads.timetext import duration

if TYPE_CHECKING:
    from crossroads.finetune.plan import TrainSettings


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "finetune", help="train a LoRA adapter on your documents or Q&A pairs (CPU), or list/rename/delete them",
        description="Train: crossroads finetune --kb KB | --data QA.jsonl [options]. "
                    "Manage: crossroads finetune list | rename OLD NEW | delete NAME. "
                    "GPU box: crossroads finetune --kb KB | --data QA.jsonl --export DIR, then "
                    "crossroads finetune import TRAINER_OUTPUT [--model BASE] [--name NAME].",
    )
    parser.add_argument("action", nargs="?", choices=("list", "rename", "delete", "import"),
                        help="manage kept adapters, or import one trained elsewhere")
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help="adapter name(s) for rename/delete; for import: the PEFT folder or GGUF")
    parser.add_argument("--kb", help="knowledge base: the model writes questions about its passages")
    parser.add_argument("--data", type=Path, metavar="QA_FILE", help="question-answer pairs (JSONL or CSV)")
    parser.add_argument("--model", metavar="NAME_OR_GGUF", help="the base model (default: the catalog's default)")
    parser.add_argument("--name", help="adapter name (default: after the knowledge base or the data file)")
    parser.add_argument("--steps", type=int, default=0, help="optimizer steps (default: from --epochs)")
    parser.add_argument("--epochs", type=float, default=3.0)
    parser.add_argument("--learning-rate", type=float, default=2e-4)
    parser.add_argument("--rank", type=int, default=8, help="LoRA rank")
    parser.add_argument("--max-length", type=int, default=256, help="tokens per example")
    parser.add_argument("--accumulation", type=int, default=4, help="examples per optimizer step")
    parser.add_argument("--questions-per-passage", type=int, default=4)
    parser.add_argument("--passages", action="store_true", help="also train on the passages' text")
    parser.add_argument("--general", type=int, default=-1,
                        help="general examples (the model's own answers) to mix in; default about a fifth")
    parser.add_argument("--eval-set", type=Path, metavar="QA_FILE",
                        help="the evaluation set: warn if its questions are in the training data")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0: automatic)")
    parser.add_argument("--resume", action="store_true", help="continue the unfinished run of --name")
    parser.add_argument("--out", type=Path, help="also copy the adapter GGUF here")
    parser.add_argument("--export", type=Path, metavar="DIR",
                        help="train nothing: write the data and trainer configs for a GPU box into this new folder")
    parser.add_argument("--trainer", default="axolotl,llama-factory",
                        help="with --export: the trainers to write configs for (axolotl, llama-factory)")
    parser.add_argument("--json", action="store_true", help="print one JSON object with the result")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.action == "list":
        return _list(args)
    if args.action == "delete":
        return _delete(args)
    if args.action == "rename":
        return _rename(args)
    if args.action == "import":
        return _import(args)
    return _train(args)


def _list(args: argparse.Namespace) -> int:
    from crossroads.finetune.runs import list_runs

    rows = [{"name": r.name, "path": str(r.adapter_path), "base_model": r.manifest.base_model,
             "steps": r.manifest.steps, "best_eval_loss": r.manifest.best_eval_loss, "created": r.manifest.created,
             "data": r.manifest.data} for r in list_runs()]
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    elif not rows:
        print("No adapters yet. Train one with: crossroads finetune --kb KB")
    else:
        for row in rows:
            print(f"{row['name']}\t{row['base_model']}\t{row['steps']} steps\t{row['path']}")
    return 0


def _delete(args: argparse.Namespace) -> int:
    from crossroads.finetune.runs import delete_run

    if len(args.names) != 1:
        raise InputError("Give one adapter name: crossroads finetune delete NAME")
    delete_run(args.names[0])
    say(f"Deleted the adapter “{args.names[0]}”.")
    return 0


def _rename(args: argparse.Namespace) -> int:
    from crossroads.finetune.runs import rename_run

    if len(args.names) != 2:
        raise InputError("Give the old and the new name: crossroads finetune rename OLD NEW")
    run = rename_run(*args.names)
    say(f"Renamed to “{run.name}”.")
    return 0


def _import(args: argparse.Namespace) -> int:
    from crossroads.finetune.import_adapter import import_result
    from crossroads.models.catalog import resolve_chat_model

    if len(args.names) != 1:
        raise InputError("Give the trainer's output: crossroads finetune import PEFT_FOLDER_OR_GGUF [--model BASE] "
                         "[--name NAME]")
    base = resolve_chat_model(args.model)
    source = Path(args.names[0]).expanduser()
    say(f"Importing {source.name} for {base.name}…")
    result = import_result(source, base, args.name)
    if result.run is None:
        say(f"{source.name} is a whole fine-tuned model, not an adapter: nothing to import. Use it as it is: "
            f"crossroads ask --model {base} --finetuned-model {source} (in the app: open it as the fine-tuned "
            "model).")
    else:
        say(f"Kept as the adapter “{result.run.name}”: crossroads ask --adapter \"{result.run.name}\" …")
    if args.json:
        print(json.dumps({"kind": result.kind, "adapter": str(result.path),
                          "name": result.run.name if result.run else None,
                          **(result.run.manifest.to_dict() if result.run else {})}, ensure_ascii=False))
    else:
        print(result.path)
    return 0


def _export(args: argparse.Namespace) -> int:
    """Build the data as a run would, write it with the trainer configs, train nothing."""
    from crossroads.finetune.export import base_model_ref, parse_trainers, write_export
    from crossroads.models.catalog import resolve_chat_model
    from crossroads.rag.prompting import SYSTEM_MESSAGE

    trainers = parse_trainers(args.trainer)
    if not args.kb and not args.data:
        raise InputError("Give the training data to export: --kb KB and/or --data QA_FILE.")
    model_path = resolve_chat_model(args.model)
    settings = _settings(args)
    examples = _examples(args, model_path, settings.threads, SYSTEM_MESSAGE)
    _warn_overlap(args, examples)
    questions = []
    if args.eval_set:
        from crossroads.evaluation.evaluate import load_questions

        questions = [i.question for i in load_questions(args.eval_set)]
    exported = write_export(args.export, examples, settings, base_model_ref(model_path), SYSTEM_MESSAGE,
                            trainers=trainers, eval_questions=questions)
    say(f"Exported {exported.train} training and {exported.validation} held-out examples for "
        f"{', '.join(sorted(trainers))}; see {exported.folder / 'README.txt'}.")
    if args.json:
        print(json.dumps({"folder": str(exported.folder), "files": [str(f) for f in exported.files],
                          "train": exported.train, "validation": exported.validation,
                          "passages": exported.passages, "evaluation_overlap": exported.overlap},
                         ensure_ascii=False))
    else:
        print(exported.folder)
    return 0


def _settings(args: argparse.Namespace) -> TrainSettings:
    """The run's settings from the flags: the same for a laptop run and for an export to a GPU box."""
    from crossroads.config import Settings
    from crossroads.finetune.plan import TrainSettings

    threads = Settings(threads=args.threads).resolved_threads()
    return TrainSettings(rank=args.rank, alpha=2.0 * args.rank, learning_rate=args.learning_rate,
                         max_length=args.max_length, epochs=args.epochs, max_steps=max(0, args.steps),
                         grad_accumulation=args.accumulation, threads=threads)


def _train(args: argparse.Namespace) -> int:
    from crossroads.finetune import events as ev
    from crossroads.finetune import pipeline
    from crossroads.finetune.installed import check_installed
    from crossroads.finetune.parity import verdict_text
    from crossroads.finetune.plan import check_architecture
    from crossroads.models.catalog import resolve_chat_model
    from crossroads.models.gguf_info import read_gguf_info
    from crossroads.rag.prompting import SYSTEM_MESSAGE

    if args.export:
        return _export(args)
    check_installed()  # before writing any questions with the model: they would be of no use
    name = args.name or (args.kb if args.kb else args.data.stem if args.data else None)
    if args.resume:
        if not name:
            raise InputError("Say which run to resume with --name.")
        job = pipeline.resume(name)
    else:
        if not args.kb and not args.data:
            raise InputError("Give the training data: --kb KB (questions written from its passages) and/or "
                             "--data QA_FILE.")
        model_path = resolve_chat_model(args.model)
        check_architecture(read_gguf_info(model_path).architecture)
        settings = _settings(args)
        examples = _examples(args, model_path, settings.threads, SYSTEM_MESSAGE)
        _warn_overlap(args, examples)
        checks = [e.question for e in examples if e.source != "general" and e.question][:2]
        job = pipeline.prepare(name, model_path, examples, settings, system_message=SYSTEM_MESSAGE,
                               verify_prompts=checks)

    def show(event: ev.TrainEvent) -> None:
        if isinstance(event, ev.Loading):
            say(f"Loading {event.model} for training ({event.dtype})…")
        elif isinstance(event, ev.Resumed):
            say(f"Resuming at step {event.step} of {event.total_steps}.")
        elif isinstance(event, ev.Started):
            say(f"{event.examples} training and {event.validation} held-out examples, {event.total_steps} steps: "
                f"about {event.seconds_per_step:.1f} s per step, {duration(event.total_seconds)} in all, "
                f"peak memory about {event.peak_bytes / 1e9:.1f} GB ({event.dtype}).")
        elif isinstance(event, ev.Step):
            say(f"step {event.step}/{event.total_steps}  loss {event.loss:.3f}  {event.tokens_per_s:.0f} tok/s  "
                f"{duration(event.eta_s)} left")
        elif isinstance(event, ev.Evaluated):
            say(f"held-out loss {event.loss:.3f}{' (best)' if event.improved else ''}")
        elif isinstance(event, ev.Verified):
            say(verdict_text(event.ok, {"reason": event.reason}))

    try:
        outcome = pipeline.run(job, show)
    except KeyboardInterrupt:
        job.cancel()
        for _ in job.events():
            pass
        raise Cancelled() from None
    if outcome.run is None:
        say(f"Cancelled at step {outcome.cancelled_at}; continue with: crossroads finetune --resume --name {name}")
        raise Cancelled()
    path = outcome.run.adapter_path
    if args.out:
        shutil.copyfile(path, args.out)
    if args.json:
        print(json.dumps({"adapter": str(args.out or path), "name": outcome.run.name,
                          **outcome.run.manifest.to_dict()}, ensure_ascii=False))
    else:
        print(args.out or path)
    return 0


def _examples(args: argparse.Namespace, model_path: Path, threads: int, system_message: str) -> list:  # type: ignore[type-arg]
    from crossroads.finetune.examples import passage_examples, read_pairs

    examples = read_pairs(args.data) if args.data else []
    if not args.kb and args.general == 0:
        return examples
    from crossroads.engine.llama_engine import LlamaEngine
    from crossroads.finetune import generate

    engine = LlamaEngine(model_path, context_size=2048, threads=threads, max_sequences=1)
    try:
        if args.kb:
            from crossroads.cli._session import open_kb

            kb, _embedder = open_kb(args.kb)
            try:
                passages = [c.text for d in kb.documents() for c in kb.document_chunks(d.id)]
            finally:
                kb.close()
            say(f"Writing questions about {len(passages)} passages with {model_path.name}…")
            examples += generate.qa_from_passages(
                engine, passages, args.questions_per_passage,
                on_progress=lambda i, n, found: say(f"[{i}/{n}] {found} question-answer pairs"))
            if args.passages:
                examples += passage_examples(passages)
        wanted = args.general if args.general >= 0 else max(2, round(len(examples) / 4))
        if wanted:
            say(f"Asking {model_path.name} {wanted} general questions to keep its other answers…")
            examples += generate.general_examples(engine, generate.general_questions()[:wanted], system_message)
    finally:
        engine.close()
    if not [e for e in examples if e.source != "general"]:
        raise InputError("No usable training examples came out of the data.")
    return examples


def _warn_overlap(args: argparse.Namespace, examples: list) -> None:  # type: ignore[type-arg]
    if not args.eval_set:
        return
    from crossroads.evaluation.evaluate import load_questions
    from crossroads.finetune.examples import overlap_with

    shared = overlap_with(examples, [i.question for i in load_questions(args.eval_set)])
    if shared:
        say(f"Warning: {len(shared)} training question(s) are also in {args.eval_set.name}; its scores for the "
            "fine-tuned model will be flattering.")

