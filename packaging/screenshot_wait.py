"""What every screenshot script needs: wait for the offscreen window to reach a state while Qt keeps running, and
let it settle (animations, deferred layouts) before it is grabbed."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QApplication


def wait(app: QApplication, ready: Callable[[], object], seconds: float = 1800) -> None:
    """Process Qt's events until ``ready()`` holds; give up with a message after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not ready():
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting for the window")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)


def settle(app: QApplication, seconds: float = 0.8) -> None:
    """Keep Qt running for a moment, so what is grabbed is what a user would see."""
    end = time.monotonic() + seconds
    wait(app, lambda: time.monotonic() > end)
