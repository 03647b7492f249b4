"""``crossroads models``: list the catalog, pull models, find GGUF files on this computer, inspect one."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from crossroads.cli._progress import say
from crossroads.errors import InputError


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("models", help="list, pull, find and inspect models")
    parser.set_defaults(handler=lambda _args: parser.print_help() or 0)
    sub = parser.add_subparsers(dest="models_command", metavar="ACTION")

    p = sub.add_parser("list", help="the catalog's models and whether they are downloaded")
    p.add_argument("--json", action="store_true", help="print JSON on stdout")
    p.set_defaults(handler=_list)

    p = sub.add_parser("pull", help="download catalog models (the one step that needs the internet)")
    p.add_argument("names", nargs="*", metavar="NAME", help="catalog names (see `crossroads models list`)")
    p.add_argument("--all", action="store_true", help="every model in the catalog")
    p.add_argument("--role", choices=("chat", "embedding"), help="with --all: only this kind of model")
    p.set_defaults(handler=_pull)

    p = sub.add_parser("scan", help="GGUF files already on this computer (other apps' folders too)")
    p.add_argument("--json", action="store_true", help="print JSON on stdout")
    p.add_argument("--dir", action="append", type=Path, default=[], help="also look in this folder")
    p.set_defaults(handler=_scan)

    p = sub.add_parser("info", help="what a GGUF file is, and whether it fits in memory")
    p.add_argument("model", metavar="PATH_OR_NAME", help="a .gguf file or a catalog name")
    p.add_argument("--context", type=int, default=None, help="context size for the memory estimate")
    p.add_argument("--json", action="store_true", help="print JSON on stdout")
    p.set_defaults(handler=_info)


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def _list(args: argparse.Namespace) -> int:
    from crossroads.models.catalog import load_catalog

    rows = [
        {"name": e.name, "role": e.role, "default": e.default, "display_name": e.display_name,
         "present": e.is_present(), "size": e.size, "licence": e.licence, "description": e.description,
         "path": str(e.local_path())}
        for e in load_catalog()
    ]
    if args.json:
        _print_json(rows)
        return 0
    for row in rows:
        state = "present" if row["present"] else "missing"
        size = _size(row["size"]) if row["size"] else "folder"
        mark = " (default)" if row["default"] else ""
        print(f"{row['name']:<32} {row['role']:<10} {state:<8} {size:>8}  {row['licence']}{mark}")
        print(f"{'':<32} {row['description']}")
    return 0


def _pull(args: argparse.Namespace) -> int:
    from crossroads.models.catalog import load_catalog
    from crossroads.models.pull import pull

    catalog = load_catalog()
    if args.all == bool(args.names):
        raise InputError("Name the models to pull, or use --all (not both).")
    if args.role and not args.all:
        raise InputError("--role only goes with --all.")
    entries = catalog.entries(args.role) if args.all else [catalog.get(n) for n in args.names]
    for entry in entries:
        pull(entry, on_progress=say)
    return 0


def _scan(args: argparse.Namespace) -> int:
    from crossroads.models.discovery import scan_for_models

    found = scan_for_models(args.dir)
    if args.json:
        _print_json([{"path": str(m.path), "size": m.size, "source": m.source} for m in found])
        return 0
    if not found:
        print("No GGUF models found in the usual folders.")
    for model in found:
        print(f"{model.source:<20} {_size(model.size):>8}  {model.path}")
    return 0


def _info(args: argparse.Namespace) -> int:
    from crossroads.config import Settings
    from crossroads.models.catalog import resolve_chat_model
    from crossroads.models.gguf_info import read_gguf_info
    from crossroads.models.memory import estimate_memory

    context = args.context if args.context is not None else Settings().context_size
    if context <= 0:
        raise InputError("--context must be a positive number of tokens.")
    info = read_gguf_info(resolve_chat_model(args.model))
    memory = estimate_memory(info, context)
    if args.json:
        data = {k: v for k, v in asdict(info).items() if k != "metadata"}
        data["metadata"] = {k: v for k, v in info.metadata.items() if k != "tokenizer.chat_template"}
        data["memory"] = {"context_size": context, **asdict(memory)}
        _print_json(data)
        return 0
    rows = [
        ("file", str(info.path)), ("size", _size(info.file_size)), ("name", info.name or "-"),
        ("architecture", info.architecture),
        ("parameters", f"{info.parameters / 1e6:,.0f} M" if info.parameters else "-"),
        ("quantisation", info.quantisation or "-"),
        ("context length", f"{info.context_length:,}" if info.context_length else "-"),
        ("layers", info.block_count or "-"), ("chat template", "yes" if info.chat_template else "no"),
        (f"memory at {context:,} tokens", f"{_size(memory.total_bytes)} "
         f"(weights {_size(memory.weights_bytes)}, KV cache {_size(memory.kv_cache_bytes)}, "
         f"other {_size(memory.overhead_bytes)}); free now {_size(memory.available_bytes)}"
         + ("" if memory.fits else " — does NOT fit")),
    ]
    for key, value in rows:
        print(f"{key + ':':<26} {value}")
    return 0


def _size(n: int) -> str:
    from crossroads.models.memory import gigabytes

    return gigabytes(n)
