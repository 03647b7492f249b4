"""Where a shared knowledge base lives: ``postgresql://user@host:port/database?kb=NAME``.

The ``kb`` parameter names the knowledge base on that server; every other part is handed to libpq as it is, so
``sslmode=require``, a socket folder (``?host=/run/postgresql``) and the usual ``PG*`` variables and ``.pgpass``
all work. A password may be given in the URL, but no message or display string ever shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from crossroads.errors import InputError

SCHEMES = ("postgresql://", "postgres://")
CONNECT_TIMEOUT_SECONDS = 5  # an unreachable host answers within this, instead of the OS's minutes


@dataclass(frozen=True)
class ServerAddress:
    """A parsed knowledge-base URL. ``conninfo`` is for libpq (it may hold the password); ``display`` never does."""

    conninfo: str
    kb: str
    host: str
    port: int
    display: str
    password: str | None

    @property
    def where(self) -> str:
        """HOST:PORT for messages."""
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    def scrub(self, text: str) -> str:
        """``text`` with the password (if any) blanked: driver messages may quote the connection string."""
        if self.password:
            text = text.replace(self.password, "***").replace(quote(self.password, safe=""), "***")
        return text


def is_server_url(value: str) -> bool:
    return value.strip().lower().startswith(SCHEMES)


def parse_server_url(value: str) -> ServerAddress:
    """Split a knowledge-base URL into libpq's part and the knowledge base's name; refuse one without ``kb``."""
    from crossroads.store.registry import check_name

    parts = urlsplit(value.strip())
    query = parse_qsl(parts.query, keep_blank_values=True)
    names = [v for k, v in query if k == "kb"]
    if not names or not names[-1].strip():
        raise InputError(
            "A knowledge base on a PostgreSQL server is given as postgresql://USER@HOST:PORT/DATABASE?kb=NAME; "
            "the URL has no kb=NAME."
        )
    kb = check_name(names[-1])
    rest = [(k, v) for k, v in query if k != "kb"]
    socket = next((v for k, v in rest if k == "host"), None)
    if not any(k == "connect_timeout" for k, _ in rest):
        rest.append(("connect_timeout", str(CONNECT_TIMEOUT_SECONDS)))
    try:
        port = parts.port or int(next((v for k, v in rest if k == "port"), 5432))
    except ValueError as exc:
        raise InputError(f"The port in the knowledge-base URL is not a number ({exc}).") from None
    host = parts.hostname or socket or "localhost"
    shown_host = f"[{parts.hostname}]" if parts.hostname and ":" in parts.hostname else parts.hostname or ""
    password = unquote(parts.password) if parts.password else None
    conninfo = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(rest), ""))
    user = f"{parts.username}@" if parts.username else ""
    netloc = f"{user}{shown_host}" + (f":{parts.port}" if parts.port else "")
    shown = [(k, v) for k, v in query if k not in ("password", "connect_timeout")]
    display = urlunsplit((parts.scheme, netloc, parts.path, urlencode(shown), ""))
    return ServerAddress(conninfo, kb, host, port, display, password or _query_password(query))


def _query_password(query: list[tuple[str, str]]) -> str | None:
    return next((v for k, v in query if k == "password" and v), None)


def compose_server_url(server: str, kb: str, password: str | None = None) -> str:
    """The knowledge-base URL the app's "Shared knowledge base" dialog builds: the server's URL as the team gives
    it (``postgresql://USER@HOST:PORT/DATABASE``, maybe with options), the knowledge base's name, and a password
    typed for this session (kept out of the URL the app remembers)."""
    from crossroads.store.registry import check_name

    text = server.strip()
    if not is_server_url(text):
        raise InputError("Give the server as postgresql://USER@HOST:PORT/DATABASE (the address your team uses).")
    parts = urlsplit(text)
    if not parts.hostname and not any(k == "host" for k, _ in parse_qsl(parts.query)):
        raise InputError("The server address has no host: give it as postgresql://USER@HOST:PORT/DATABASE.")
    try:
        _ = parts.port
    except ValueError:
        raise InputError("The port in the server address is not a number between 0 and 65535.") from None
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "kb"]
    query.append(("kb", check_name(kb)))
    netloc = parts.netloc
    if password:
        userinfo, _, hostport = netloc.rpartition("@")
        user = userinfo.split(":", 1)[0]
        if not user:
            raise InputError("A password needs a user name: give the server as postgresql://USER@HOST:PORT/DATABASE.")
        netloc = f"{user}:{quote(password, safe='')}@{hostport}"
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query), ""))

