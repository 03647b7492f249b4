"""Progress lines on stderr, so stdout stays clean for ``--json``."""

from __future__ import annotations

import sys


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
