"""Counts the network connections this process attempts through Python, so the app can say "offline" truthfully.

A Python audit hook sees every ``socket.connect`` (and ``sendto``/``sendmsg`` to an address, for datagrams) made
through Python's socket module: our code and every Python library we load. Local inter-process sockets (Unix domain
sockets, loopback) are not the network and are not counted. What it cannot see: native code (a C/C++ library) that
opens sockets itself. None of our native libraries (llama.cpp, FAISS, torch's CPU kernels, pdfium) does; the offline
test runs every command in a namespace with no network to prove the whole program needs none.

A model server the user chose (the OpenAI-compatible backend) is where questions are meant to go: while one is in
use, connections to exactly its host and port are expected and not counted (the status bar names the server
instead); any other address, or another port on the same host, still counts.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import sys
import threading
from collections.abc import Iterator
from typing import Any

_state = {"installed": False, "attempts": 0, "last": ""}
_lock = threading.Lock()
_EVENTS = frozenset({"socket.connect", "socket.sendto", "socket.sendmsg"})
_server: dict[str, Any] = {"where": None, "addresses": frozenset()}  # the model server in use, if any
_probes: list[frozenset[tuple[str, int]]] = []  # servers being tried out (Test connection, loading)


def _addresses(host: str, port: int) -> frozenset[tuple[str, int]]:
    """``host:port`` as written and as every address it resolves to: sockets connect to the resolved ones."""
    found = {(host, port)}
    with contextlib.suppress(OSError, UnicodeError):
        for *_, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
            found.add((str(sockaddr[0]), int(sockaddr[1])))
    return frozenset(found)


def allow_server(host: str | None, port: int | None = None) -> None:
    """The model server now in use (``None``: none, every connection counts again); replaces the previous one."""
    addresses = _addresses(host, int(port)) if host is not None and port is not None else frozenset()
    with _lock:
        _server["where"] = f"{host}:{port}" if addresses else None
        _server["addresses"] = addresses


def allowed_server() -> str | None:
    """``host:port`` of the server whose connections are not counted, or None."""
    return _server["where"]


@contextlib.contextmanager
def trying_server(host: str, port: int) -> Iterator[None]:
    """While the user's chosen server is tried out (listing its models, loading it), its connections are expected."""
    addresses = _addresses(host, port)
    with _lock:
        _probes.append(addresses)
    try:
        yield
    finally:
        with _lock:
            _probes.remove(addresses)


def _is_expected(address: Any) -> bool:
    if not (isinstance(address, tuple) and len(address) >= 2):
        return False
    try:
        key = (str(address[0]), int(address[1]))
    except (TypeError, ValueError):
        return False
    with _lock:
        return key in _server["addresses"] or any(key in probe for probe in _probes)


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
    if (event in _EVENTS and len(args) >= 2 and args[1] is not None and not _is_local(args[1])
            and not _is_expected(args[1])):
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
