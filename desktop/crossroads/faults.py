"""Fault injection for the reliability tests: a process that kills itself at a named point of a write.

``CROSSROADS_FAULT_AT="commit:3"`` makes the process SIGKILL itself the 3rd time it reaches ``reach("commit")``.
Killing from outside at a random time lands mostly in embedding (the longest phase); a named point lands exactly
where a power cut hurts most (inside a transaction, half-way through writing the FAISS file). Without the variable
``reach`` is one dictionary lookup. The points:

  parse       a file has been read and chunked, not yet embedded
  embed       a batch of passages has been embedded, not yet stored
  commit      a file's rows are written inside its transaction, before COMMIT
  remove      a document's rows are deleted inside its transaction, before COMMIT
  faiss_save  the FAISS file's header is written to its temporary file, the vectors not yet
"""

from __future__ import annotations

import os
import signal

ENV = "CROSSROADS_FAULT_AT"

_counts: dict[str, int] = {}


def reach(point: str) -> None:
    """Die here (SIGKILL, no clean-up at all) if the environment asks for this point and this count."""
    wanted = os.environ.get(ENV)
    if not wanted:
        return
    name, _, count = wanted.partition(":")
    if name != point:
        return
    _counts[point] = _counts.get(point, 0) + 1
    if _counts[point] == int(count or 1):
        # SIGKILL where it exists; on Windows os.kill with any other signal is TerminateProcess, as abrupt.
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))
