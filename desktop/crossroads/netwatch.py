"""Counts the network connections this process attempts through Python, so the app can say "offline" truthfully.

A Python audit hook sees every ``socket.connect`` (and ``sendto``/``sendmsg`` to an address, for datagrams) made
through Python's socket module: our code and every Python library we load. Local inter-process sockets (Unix domain
sockets, loopback) are not the network and are not counted. What it cannot see: native code (a C/C++ library) that
opens sockets itself. None of our native libraries (llama.cpp, FAISS, torch's CPU kernels, pdfium) does; the offline
test runs every command in a namespace with no network to prove the whole program needs none.
"""

from __future__ import annotations

import ipaddress
import sys
import threading
from typing import Any

_state = {"installed": False, "attempts": 0, "last": ""}
_lock = threading.Lock()
_EVENTS = frozenset({"socket.connect", "socket.sendto", "socket.sendmsg"})


def _is_local(address: Any) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    if isinstance(address, tuple) and address:
        host = address[0]
        if host in ("localhost", ""):
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False
    return False


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event in _EVENTS and len(args) >= 2 and args[1] is not None and not _is_local(args[1]):
        with _lock:
            _state["attempts"] = int(_state["attempts"]) + 1
            _state["last"] = str(args[1])


def install() -> None:
    """Start counting (once per process; audit hooks cannot be removed)."""
    with _lock:
        if _state["installed"]:
            return
        _state["installed"] = True
    sys.addaudithook(_hook)


def attempts() -> int:
    return int(_state["attempts"])


def last_attempt() -> str:
    return str(_state["last"])
