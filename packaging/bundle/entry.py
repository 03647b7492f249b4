"""The frozen bundle's one executable: the whole ``crossroads`` CLI, and the app as ``crossroads gui``.

A frozen program has no Python to start modules with, yet the app starts some of its work in a child process as
``sys.executable -m crossroads.…`` (the fine-tuning job). In the bundle ``sys.executable`` is this program, so
``crossroads -m MODULE ARGS…`` runs that module, as ``python -m`` would; only crossroads' own modules are allowed.

On Windows and macOS the same program is also built windowed as ``crossroads-gui`` (no console window): started
with no arguments it opens the app.
"""

from __future__ import annotations

import multiprocessing
import runpy
import sys
from pathlib import Path

GUI_LAUNCHER = "crossroads-gui"  # the windowed twin built on Windows and macOS (no console; the .app's executable)


def _run() -> int:
    multiprocessing.freeze_support()
    if Path(sys.executable).stem.lower() == GUI_LAUNCHER:
        # Started from the Start menu or the Dock: open the window (macOS may add a -psn_… process serial number).
        args = [a for a in sys.argv[1:] if not a.startswith("-psn_")]
        sys.argv = [sys.argv[0], *(args or ["gui"])]
    if len(sys.argv) > 2 and sys.argv[1] == "-m" and sys.argv[2].startswith("crossroads."):
        module = sys.argv[2]
        sys.argv = [sys.argv[0], *sys.argv[3:]]
        runpy.run_module(module, run_name="__main__", alter_sys=True)
        return 0
    from crossroads.cli import main

    return main()


if __name__ == "__main__":
    sys.exit(_run())
