"""The log file: where tracebacks and library warnings go, so a user reads one plain line and support reads the rest.

Without a handler, Python prints a logged warning and its traceback straight onto the terminal (logging's "last
resort"), which is how a damaged DOCX used to show a full traceback before its one-line reason. ``setup`` sends all
of it to ``<user data>/logs/crossroads.log`` instead, rotating at 1 MB with three old files kept. The CLI and the app
both call it first thing.
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

LOG_FILE = "crossroads.log"
MAX_BYTES = 1_000_000
BACKUPS = 3
_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"

_handler: logging.Handler | None = None


def log_path() -> Path:
    from crossroads.config import data_dir

    return data_dir() / "logs" / LOG_FILE


def setup() -> Path | None:
    """Route every log record (our INFO and up, libraries' WARNING and up) to the log file; the path, or None.

    Safe to call again: a changed data folder (tests move it) gets a new file. A folder that cannot be written
    still keeps tracebacks off the terminal; the log is then simply not kept.
    """
    global _handler
    path = log_path()
    if isinstance(_handler, logging.handlers.RotatingFileHandler) and Path(_handler.baseFilename) == path.resolve():
        return path
    new: logging.Handler
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        new = logging.handlers.RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8",
                                                   delay=True)
    except OSError:
        new, path = logging.NullHandler(), None  # type: ignore[assignment]
    new.setFormatter(logging.Formatter(_FORMAT))
    root = logging.getLogger()
    if _handler is not None:
        root.removeHandler(_handler)
        _handler.close()
    root.addHandler(new)
    _handler = new
    ours = logging.getLogger("crossroads")
    if ours.level == logging.NOTSET or ours.level > logging.INFO:
        ours.setLevel(logging.INFO)
    logging.getLogger("crossroads.llama").setLevel(logging.WARNING)  # llama.cpp's chatter stays out unless asked
    return path
