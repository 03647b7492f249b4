"""Talking to an OpenAI-compatible server: JSON requests and a server-sent-event (SSE) stream, every failure a
plain ``ServerError``.

Why the standard library's ``http.client`` and not httpx or requests: neither is a dependency of Crossroads (the
venv has them only through other packages' requirements), and the job is small: a POST whose response is read line
by line, and a way to stop it from another thread. ``http.client`` does both with no new dependency; a stream is
stopped by shutting its socket down, which wakes the read blocked on it at once.

Nothing here runs unless the user points Crossroads at a server (``--server``): the default path opens no socket.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from crossroads.errors import InputError, ServerError

CONNECT_TIMEOUT_S = 5.0
# A server reading a long prompt on a CPU can take minutes before its first byte; a stream is stopped by
# shutting its socket down (Stream.close), never by this timeout.
READ_TIMEOUT_S = 600.0


class HttpStatusError(ServerError):
    """The server answered with an HTTP error status; ``status`` tells a missing endpoint (404) from a failure."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class Endpoint:
    """One server's base URL (``http://host:port/v1``) and how to reach it."""

    def __init__(self, base_url: str, *, api_key: str | None = None) -> None:
        url = base_url.strip().rstrip("/")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InputError(
                f"'{base_url}' is not a server URL. Give the OpenAI-compatible base URL, such as "
                "http://127.0.0.1:8080/v1."
            )
        self.base_url = url
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port or (443 if self._https else 80)
        self._prefix = parts.path  # "/v1" usually
        # The server's own root, where llama.cpp's server keeps its extras (/tokenize, /props, /lora-adapters).
        self._root = self._prefix[: -len("/v1")] if self._prefix.endswith("/v1") else ""
        self._api_key = api_key

    # -- requests ----------------------------------------------------------------------------------------------

    def _connect(self) -> http.client.HTTPConnection:
        cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        conn = cls(self._host, self._port, timeout=CONNECT_TIMEOUT_S)
        try:
            conn.connect()
        except OSError as exc:
            conn.close()
            raise ServerError(
                f"Could not reach the model server at {self.base_url} ({_reason(exc)}). Check that it is running "
                "and the URL is right, or answer with a model on this computer instead."
            ) from exc
        if conn.sock is not None:
            conn.sock.settimeout(READ_TIMEOUT_S)
        return conn

    def _headers(self, body: bool) -> dict[str, str]:
        headers = {"Accept": "application/json, text/event-stream"}
        if body:
            headers["Content-Type"] = "application/json"
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        return headers

    def _send(
        self, conn: http.client.HTTPConnection, method: str, path: str, body: Any, root: bool
    ) -> http.client.HTTPResponse:
        target = (self._root if root else self._prefix) + path
        data = json.dumps(body).encode("utf-8") if body is not None else None
        try:
            conn.request(method, target, body=data, headers=self._headers(data is not None))
            response = conn.getresponse()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            raise ServerError(
                f"The model server at {self.base_url} closed the connection ({_reason(exc)})."
            ) from exc
        if response.status >= 400:
            detail = _error_detail(response)
            conn.close()
            raise HttpStatusError(
                f"The model server at {self.base_url} refused {method} {target} (HTTP {response.status}"
                f"{': ' + detail if detail else ''}).",
                response.status,
            )
        return response

    def request_json(self, method: str, path: str, body: Any = None, *, root: bool = False) -> Any:
        conn = self._connect()
        try:
            response = self._send(conn, method, path, body, root)
            raw = _read_all(response, self.base_url)
        finally:
            conn.close()
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise ServerError(
                f"The server at {self.base_url} did not answer with JSON: is it an OpenAI-compatible server?"
            ) from exc

    def open_stream(self, path: str, body: Any) -> Stream:
        """POST ``body`` and return its response as a stream of SSE data objects."""
        conn = self._connect()
        sock = conn.sock  # kept: for an HTTP/1.0 reply, http.client hands the socket to the response
        response = self._send(conn, "POST", path, body, root=False)
        return Stream(conn, response, sock, self.base_url)


class Stream:
    """The ``data:`` objects of one SSE response, until ``[DONE]`` or the end; ``close`` may come from any thread."""

    def __init__(
        self,
        conn: http.client.HTTPConnection,
        response: http.client.HTTPResponse,
        sock: socket.socket | None,
        base_url: str,
    ) -> None:
        self._conn = conn
        self._response = response
        self._sock = sock
        self._base_url = base_url
        self._closed = threading.Event()

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def __iter__(self) -> Iterator[dict[str, Any]]:
        try:
            while not self._closed.is_set():
                try:
                    line = self._response.readline()
                except (OSError, ValueError, http.client.HTTPException) as exc:
                    if self._closed.is_set():
                        return  # our own close woke the read
                    raise ServerError(
                        f"The connection to the model server at {self._base_url} broke mid-answer ({_reason(exc)})."
                    ) from exc
                if not line:
                    return
                text = line.decode("utf-8", "replace").strip()
                if not text.startswith("data:"):
                    continue  # blank separators, ": ping" comments, "event:" names
                data = text[len("data:"):].strip()
                if data == "[DONE]":
                    return
                try:
                    obj = json.loads(data)
                except ValueError as exc:
                    raise ServerError(
                        f"The model server at {self._base_url} sent a stream Crossroads cannot read."
                    ) from exc
                if isinstance(obj, dict) and "error" in obj:  # some servers report a failure inside the stream
                    raise ServerError(
                        f"The model server at {self._base_url} stopped with an error: {_message_of(obj)}"
                    )
                if isinstance(obj, dict):
                    yield obj
        finally:
            self.close()

    def close(self) -> None:
        """Stop reading: the socket is shut down (the server sees the client go and stops generating)."""
        if self._closed.is_set():
            return
        self._closed.set()
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self._response.close()
        self._conn.close()
        if self._sock is not None:
            self._sock.close()


def _read_all(response: http.client.HTTPResponse, base_url: str) -> bytes:
    try:
        return response.read()
    except (OSError, http.client.HTTPException) as exc:
        raise ServerError(f"The connection to the model server at {base_url} broke ({_reason(exc)}).") from exc


def _error_detail(response: http.client.HTTPResponse) -> str:
    """The server's own words for the failure, one short line: OpenAI's ``error.message``, FastAPI's ``detail``."""
    try:
        raw = response.read(16384)
    except (OSError, http.client.HTTPException):
        return response.reason or ""
    try:
        obj = json.loads(raw)
    except ValueError:
        text = raw.decode("utf-8", "replace").strip()
        return _short(text) or (response.reason or "")
    return _message_of(obj) or (response.reason or "")


def _message_of(obj: Any) -> str:
    if isinstance(obj, dict):
        error = obj.get("error", obj.get("detail", obj.get("message")))
        if isinstance(error, dict):
            error = error.get("message", error)
        if error is not None:
            return _short(str(error))
    return _short(str(obj))


def _short(text: str) -> str:
    """One line of at most 200 characters: the message is shown inside a sentence of ours."""
    line = " ".join(text.split())
    return line if len(line) <= 200 else line[:197] + "..."


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, TimeoutError | socket.timeout):
        return "no answer in time"
    if isinstance(exc, socket.gaierror):
        return "unknown host name"
    return str(exc) or type(exc).__name__
