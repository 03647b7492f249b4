"""Route llama.cpp's own log lines away from the user's terminal.

llama-cpp-python's alternative, ``verbose=False``, silences loading by redirecting the process's stdout/stderr file
descriptors for a moment — which swallows output from every other thread too. A log callback is precise.
Everything goes to Python logging (logger ``crossroads.llama``): errors at WARNING, the rest at DEBUG, so a bug
report can turn it on while a user's terminal stays clean.
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_log = logging.getLogger("crossroads.llama")
_callback = None  # keep a reference: ctypes would otherwise free the trampoline llama.cpp calls
_capture = threading.local()  # per thread: the list collecting error lines, while capture_errors() is active


def silence() -> None:
    global _callback
    if _callback is not None:
        return
    import llama_cpp

    @llama_cpp.llama_log_callback
    def _on_log(level: int, text: bytes, user_data: object) -> None:
        # ggml.h: NONE 0, DEBUG 1, INFO 2, WARN 3, ERROR 4, CONT 5 (continues the previous line)
        line = text.decode("utf-8", "replace").rstrip()
        _log.log(logging.WARNING if level == 4 else logging.DEBUG, line)
        errors = getattr(_capture, "errors", None)
        if errors is not None and level == 4:
            errors.append(line)

    _callback = _on_log
    llama_cpp.llama_log_set(_callback, None)
    # llama-cpp-python opens /dev/null twice at import and never closes it; close at exit, quietly.
    from llama_cpp import _utils

    atexit.register(lambda: (_utils.outnull_file.close(), _utils.errnull_file.close()))


@contextmanager
def capture_errors() -> Iterator[list[str]]:
    """Collect the error lines llama.cpp logs on this thread meanwhile: the only place it says why it refused."""
    errors: list[str] = []
    _capture.errors = errors
    try:
        yield errors
    finally:
        _capture.errors = None
