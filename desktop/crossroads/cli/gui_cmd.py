"""``crossroads gui``: the desktop window. The only command that imports Qt, and only when it runs."""

from __future__ import annotations

import argparse
from pathlib import Path

from crossroads.errors import SetupError

NO_DISPLAY = (
    "No display was found, so the window cannot open here (for example over SSH or in a container). "
    "Everything works headless too: `crossroads demo` shows the side-by-side demo in the terminal, and "
    "`crossroads index`, `ask`, `eval` and `decide` do the rest. To save a picture of the window without a "
    "screen, use `crossroads gui --demo --screenshot window.png`."
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "gui",
        help="open the desktop app",
        description="Opens the Crossroads window: model bar, library, Compare, Evaluate and Decide.",
    )
    parser.add_argument("--kb", help="knowledge base to open")
    parser.add_argument("--model", metavar="NAME_OR_GGUF", help="catalog name or path of a .gguf file "
                        "(default: the last model used, else the catalog's default)")
    parser.add_argument("--demo", action="store_true",
                        help="open the sample company's documents and ask the first demo question")
    parser.add_argument("--screenshot", type=Path, metavar="FILE.png",
                        help="wait until the window is ready, save it as PNG and exit")
    parser.add_argument("--theme", choices=("system", "light", "dark"), help="override the saved theme")
    parser.add_argument("--tab", choices=("compare", "evaluate", "decide"), help="the tab shown first")
    parser.add_argument("--size", default="1360x860", metavar="WxH", help="window size (default 1360x860)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from crossroads.errors import InputError
    from crossroads.ui.app import LaunchOptions, display_available
    from crossroads.ui.app import run as run_app
    from crossroads.ui.platform_check import advice, missing_in, missing_library

    if args.screenshot is None and not display_available():
        raise SetupError(NO_DISPLAY)
    if args.screenshot is None:
        library = missing_library()
        if library:
            raise SetupError(advice(library))
    try:
        width, height = (int(x) for x in args.size.lower().split("x"))
    except ValueError as exc:
        raise InputError(f"--size must look like 1360x860, not “{args.size}”.") from exc
    if args.screenshot is not None and args.screenshot.suffix.lower() != ".png":
        raise InputError("--screenshot needs a file name ending in .png.")
    try:
        return run_app(LaunchOptions(kb=args.kb, model=args.model, demo=args.demo, screenshot=args.screenshot,
                                     theme=args.theme, tab=args.tab, size=(width, height)))
    except ImportError as exc:
        # Qt's own libraries link against system ones too (libEGL, libGL, libfontconfig): when one is missing, the
        # import of PySide6 fails, whatever the platform. Name it, as for X11, instead of a traceback.
        library = missing_in(str(exc))
        if library is None:
            raise
        raise SetupError(advice(library)) from exc
