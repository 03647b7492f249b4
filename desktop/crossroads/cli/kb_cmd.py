"""``crossroads kb``: list, inspect, rename and delete knowledge bases, and remove documents from one."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from crossroads.cli._progress import say
from crossroads.errors import InputError


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("kb", help="list, inspect, rename and delete knowledge bases")
    parser.set_defaults(handler=lambda _args: parser.print_help() or 0)
    sub = parser.add_subparsers(dest="kb_command", metavar="ACTION")

    p = sub.add_parser("list", help="the named knowledge bases, with their size")
    p.add_argument("--json", action="store_true", help="print JSON on stdout")
    p.set_defaults(handler=_list)

    p = sub.add_parser("show", help="the documents of a knowledge base and their state")
    p.add_argument("kb", metavar="KB", help="name or folder, or postgresql://USER@HOST:PORT/DB?kb=NAME")
    p.add_argument("--json", action="store_true", help="print JSON on stdout")
    p.set_defaults(handler=_show)

    p = sub.add_parser("remove-doc", help="forget documents (the files themselves are not touched)")
    p.add_argument("kb", metavar="KB", help="name or folder, or postgresql://USER@HOST:PORT/DB?kb=NAME")
    p.add_argument("paths", nargs="+", metavar="PATH", help="document paths as `kb show` lists them")
    p.set_defaults(handler=_remove_doc)

    p = sub.add_parser("check", help="check that a knowledge base agrees with itself, and mend it if asked")
    p.add_argument("kb", metavar="KB", help="name or folder, or postgresql://USER@HOST:PORT/DB?kb=NAME")
    p.add_argument("--repair", action="store_true", help="rebuild what disagrees from the stored passages")
    p.set_defaults(handler=_check)

    p = sub.add_parser("rename", help="rename a named knowledge base")
    p.add_argument("old", metavar="OLD")
    p.add_argument("new", metavar="NEW")
    p.set_defaults(handler=_rename)

    p = sub.add_parser("delete", help="delete a named knowledge base (not the documents it indexed)")
    p.add_argument("kb", metavar="KB", help="name")
    p.add_argument("--yes", action="store_true", help="confirm: the index cannot be recovered")
    p.set_defaults(handler=_delete)


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def _list(args: argparse.Namespace) -> int:
    from crossroads.store import KnowledgeBase, list_kbs, resolve_kb_path

    rows = []
    for name in list_kbs():
        with KnowledgeBase.open(resolve_kb_path(name)) as kb:
            rows.append({"name": name, "path": str(kb.path), "documents": len(kb.documents()),
                         "chunks": kb.chunk_count(), "embedding_model": kb.embedding_model})
    if args.json:
        _print_json(rows)
        return 0
    if not rows:
        say("No knowledge bases yet; create one with `crossroads index PATH --kb NAME`.")
    for row in rows:
        print(f"{row['name']:<32} {row['documents']:>6} documents {row['chunks']:>8} chunks  "
              f"{row['embedding_model']}")
    return 0


def _show(args: argparse.Namespace) -> int:
    from crossroads.store.registry import open_knowledge_base

    with open_knowledge_base(args.kb) as kb:
        documents = kb.documents()
        if args.json:
            _print_json({"kb": kb.name, "path": str(kb.path), "embedding_model": kb.embedding_model,
                         "chunks": kb.chunk_count(), "documents": [asdict(d) for d in documents]})
            return 0
        print(f"{kb.name}: {len(documents)} documents, {kb.chunk_count()} chunks, "
              f"embedding model {kb.embedding_model or '(none yet)'}")
        for d in documents:
            detail = f"{d.chunks} chunks" if d.state == "indexed" else f"failed: {d.error}"
            print(f"  {d.state:<8} {d.path}  ({detail})")
    return 0


def _remove_doc(args: argparse.Namespace) -> int:
    from crossroads.store.registry import open_knowledge_base

    missing = 0
    with open_knowledge_base(args.kb) as kb:
        for path in args.paths:
            if kb.remove(path) or kb.remove(Path(path).expanduser().absolute()):
                say(f"removed  {path}")
            else:
                say(f"not found {path}: it is not in “{kb.name}”")
                missing += 1
    return 1 if missing == len(args.paths) else 0


def _check(args: argparse.Namespace) -> int:
    from crossroads.store.postgres.address import is_server_url
    from crossroads.store.registry import open_knowledge_base

    with open_knowledge_base(args.kb) as kb:
        problems = kb.repair() if args.repair else kb.check()
        for problem in problems:
            say(f"{'repaired' if args.repair else 'problem '} {problem}")
        if not problems:
            say(f"“{kb.name}” is sound: documents, passages, keyword index and vectors agree.")
        elif args.repair:
            say(f"“{kb.name}” is sound again.")
        else:
            shown = f"'{kb.path}'" if is_server_url(args.kb) else args.kb  # a server URL without its password
            say(f"Run `crossroads kb check {shown} --repair` to mend it from the stored passages.")
    return 1 if problems and not args.repair else 0


def _rename(args: argparse.Namespace) -> int:
    from crossroads.store import rename_kb

    target = rename_kb(args.old, args.new)
    say(f"renamed “{args.old}” to “{target.name}”")
    return 0


def _delete(args: argparse.Namespace) -> int:
    from crossroads.store import delete_kb

    if not args.yes:
        raise InputError(f"Deleting “{args.kb}” cannot be undone; add --yes to confirm.")
    delete_kb(args.kb)
    say(f"deleted “{args.kb}” (your documents themselves are untouched)")
    return 0
