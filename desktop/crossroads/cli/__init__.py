"""The ``crossroads`` command: the core, headless. Scripts, tests and benchmarks drive the product through it.

Each sub-command lives in its own module exposing ``register(subparsers)``; the handler it sets returns an
exit code. A ``CrossroadsError`` becomes one plain line on stderr and exit code 2; Ctrl+C exits with 130.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from crossroads import __version__
from crossroads.errors import Cancelled, CrossroadsError

SUBCOMMANDS = (
    "models_cmd", "index_cmd", "kb_cmd", "ask_cmd", "eval_cmd", "decide_cmd", "demo_cmd", "finetune_cmd", "gui_cmd",
)


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = argparse.ArgumentParser(
        prog="crossroads",
        description="Fine-tune or RAG? Compare a local model with and without your documents, offline.",
    )
    parser.add_argument("--version", action="version", version=f"crossroads {__version__}")
    parser.add_argument("--portable", action="store_true",
                        help="keep all data (knowledge bases, settings, logs) in data/ beside the app, not in the "
                        "home folder: for a copy on a USB stick")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"crossroads.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"crossroads.cli.{name}":
                continue  # a command not built yet in this version
            raise
        module.register(subparsers)
    return parser


def _apply_portable(argv: list[str]) -> None:
    """``--portable`` before the command: set before anything finds the data folder (the log file is first), and
    through the environment so the processes the app starts (workers, the server) keep their data there too."""
    import os

    from crossroads.config import PORTABLE_ENV

    for token in argv:
        if not token.startswith("-"):
            break  # the command: its own options follow
        if token == "--portable":
            os.environ[PORTABLE_ENV] = "1"
    from crossroads import config

    if config.portable():
        # Libraries keep caches under the home folder too (onnxruntime writes ~/.cache/Microsoft/…): beside the app.
        os.environ["XDG_CACHE_HOME"] = str(config.data_dir() / "cache" / "xdg")


def main(argv: Sequence[str] | None = None) -> int:
    from crossroads import logfile

    argv = list(sys.argv[1:] if argv is None else argv)
    _apply_portable(argv)
    logfile.setup()  # tracebacks go to the log file, never onto the user's terminal
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 0
    try:
        return int(args.handler(args) or 0)
    except CrossroadsError as exc:
        print(f"crossroads: {exc.message}", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, Cancelled):
        print("crossroads: cancelled", file=sys.stderr)
        return 130
    except MemoryError:
        print("crossroads: this machine ran out of memory. Close other programs, or use a smaller model or "
              "context size.", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # `crossroads … | head` closed the pipe early: not an error. Silence Python's flush of stdout at exit.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # a bug in Crossroads: say so plainly, keep the details for a report
        import os
        import traceback

        from crossroads import logfile

        logging.getLogger("crossroads.cli").error("unexpected error", exc_info=exc)
        if os.environ.get("CROSSROADS_DEBUG"):
            traceback.print_exc()
        print(f"crossroads: something went wrong inside Crossroads ({type(exc).__name__}: {exc}). This is a bug; "
              f"the details for a report are in {logfile.log_path()}.", file=sys.stderr)
        return 1
