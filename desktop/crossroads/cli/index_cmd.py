"""``crossroads index PATH... --kb KB``: add files and folders to a knowledge base.

Progress goes to stderr, one line per file; ``--json`` puts a machine-readable summary on stdout. Exit code 0
when anything was indexed or everything was already up to date, 1 when every file failed (or none was found).
Ctrl+C stops after the current step, keeping every file already indexed; a second Ctrl+C stops at once.
"""

from __future__ import annotations

import argparse
import json
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from crossroads.cancel import CancelToken
from crossroads.cli._progress import say
from crossroads.config import Settings

_DEFAULTS = Settings()


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "index",
        help="add documents to a knowledge base",
        description="Read, chunk and embed documents into a knowledge base. Unchanged files are skipped; "
        "a folder given again also forgets its files that were deleted.",
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders to add")
    parser.add_argument(
        "--kb", required=True, metavar="KB",
        help="knowledge base name (kept in Crossroads' data folder), a folder path, or a knowledge base on a "
        "PostgreSQL server with pgvector: postgresql://USER@HOST:PORT/DATABASE?kb=NAME; created if new",
    )
    parser.add_argument(
        "--embedding-model", metavar="NAME_OR_DIR", default=None,
        help="catalog name or sentence-transformers folder (default: the one the knowledge base was built "
        f"with, or {_DEFAULTS.embedding_model})",
    )
    parser.add_argument("--chunk-tokens", type=int, default=_DEFAULTS.chunk_tokens, metavar="N",
                        help=f"passage size in embedding-model tokens (default {_DEFAULTS.chunk_tokens})")
    parser.add_argument("--chunk-overlap", type=int, default=_DEFAULTS.chunk_overlap, metavar="N",
                        help=f"tokens shared by consecutive passages (default {_DEFAULTS.chunk_overlap})")
    parser.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from crossroads.models.catalog import resolve_embedding_model
    from crossroads.rag.chunking import check_chunk_settings
    from crossroads.rag.embedding import Embedder
    from crossroads.rag.retrieval import embedder_for
    from crossroads.store.indexer import check_chunks_fit, reread_line
    from crossroads.store.registry import knowledge_base_exists, open_knowledge_base

    check_chunk_settings(args.chunk_tokens, args.chunk_overlap)
    embedder: Embedder | None = None
    if not knowledge_base_exists(args.kb):  # a wrong model name must not leave an empty knowledge base behind
        embedder = Embedder(resolve_embedding_model(args.embedding_model))
        check_chunks_fit(embedder, args.chunk_tokens)  # loads the model: a broken one fails here
    files: list[dict[str, Any]] = []
    with open_knowledge_base(args.kb, create=True) as kb, _ctrl_c_cancels() as cancel:
        embedder = embedder or embedder_for(kb, args.embedding_model)  # type: ignore[arg-type]
        say(f"Indexing into “{kb.name}” ({kb.path}) with {embedder.name}")
        summary = kb.add_paths(
            args.paths,
            embedder,
            chunk_tokens=args.chunk_tokens,
            chunk_overlap=args.chunk_overlap,
            cancel=cancel,
            on_event=lambda event: _report(event, files),
        )
        documents, chunks = len(kb.documents()), kb.chunk_count()
        name, path = kb.name, kb.path
    found = summary.indexed + summary.skipped + summary.failed + summary.removed
    if found == 0:
        say("crossroads: found no documents to index in the given paths.")
    else:
        say(
            f"Done in {summary.seconds:.1f} s: {summary.indexed} indexed ({summary.chunks_added} chunks), "
            f"{summary.skipped} unchanged, {summary.failed} failed"
            + (f", {summary.removed} removed" if summary.removed else "")
            + (f" ({reread_line(summary.reread)})" if summary.reread else "")
            + f". “{name}” now holds {_count(documents, 'document')}, {_count(chunks, 'chunk')}."
        )
    if args.json:
        print(json.dumps({
            "kb": name, "path": str(path), "embedding_model": embedder.name,
            "indexed": summary.indexed, "skipped": summary.skipped, "failed": summary.failed,
            "removed": summary.removed, "reread": summary.reread, "chunks_added": summary.chunks_added,
            "seconds": round(summary.seconds, 3), "parse_seconds": round(summary.parse_seconds, 3),
            "embed_seconds": round(summary.embed_seconds, 3), "store_seconds": round(summary.store_seconds, 3),
            "documents": documents, "chunks": chunks, "files": files,
        }, indent=2, ensure_ascii=False))
    return 0 if summary.indexed or (found and not summary.failed) else 1


def _report(event: Any, files: list[dict[str, Any]]) -> None:
    path = str(event.path) if event.path else ""
    if event.kind == "indexed":
        say(f"indexed  {path} ({event.message})")
        files.append({"path": path, "status": "indexed", "chunks": event.chunks, "message": ""})
    elif event.kind == "skipped":
        say(f"skipped  {path} (unchanged)")
        files.append({"path": path, "status": "skipped", "chunks": 0, "message": event.message})
    elif event.kind == "failed":
        say(f"failed   {path}: {event.message}")
        files.append({"path": path, "status": "failed", "chunks": 0, "message": event.message})
    elif event.kind == "removed":
        say(f"removed  {path} ({event.message})")
        files.append({"path": path, "status": "removed", "chunks": 0, "message": event.message})
    elif event.kind == "embedding" and event.done == 0:
        say(f"embedding {event.message}…")


@contextmanager
def _ctrl_c_cancels() -> Iterator[CancelToken]:
    """First Ctrl+C: finish the current step and stop cleanly. Second: stop now (KeyboardInterrupt)."""
    token = CancelToken()
    if threading.current_thread() is not threading.main_thread():
        yield token
        return

    def on_interrupt(signum: int, frame: object) -> None:
        if token.cancelled:
            raise KeyboardInterrupt
        token.cancel()
        say("crossroads: stopping after the current step (Ctrl+C again to stop at once)")

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield token
    finally:
        signal.signal(signal.SIGINT, previous)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
