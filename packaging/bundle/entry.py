"""The frozen bundle's one executable: the whole ``crossroads`` CLI, and the app as ``crossroads gui``.

A frozen program has no Python to start modules with, yet the app starts some of its work in a child process as
``sys.executable -m crossroads.…`` (the fine-tuning job). In the bundle ``sys.executable`` is this program, so
``crossroads -m MODULE ARGS…`` runs that module, as ``python -m`` would; only crossroads' own modules are allowed.
"""

from __future__ import annotations

import multiprocessing
import runpy
import sys


def _run() -> int:
    multiprocessing.freeze_support()
    if len(sys.argv) > 2 and sys.argv[1] == "-m" and sys.argv[2].startswith("crossroads."):
        module = sys.argv[2]
        sys.argv = [sys.argv[0], *sys.argv[3:]]
        runpy.run_module(module, run_name="__main__", alter_sys=True)
        return 0
    from crossroads.cli import main

    return main()


if __name__ == "__main__":
    sys.exit(_run())
