"""A throwaway PostgreSQL server with pgvector for tests and benchmarks: the binaries the ``pgserver`` wheel carries
(PostgreSQL 16 with pgvector), a new data folder under the system temp folder, 127.0.0.1 only, trust
authentication, fsync off. Nothing is installed or left behind, and no system service is needed.

PostgreSQL refuses to run as root. pgserver's own answer (when euid is 0) is to ``useradd`` a "pgserver" account
and widen the permissions of every folder from its data folder and binaries up to ``/``; this changes nothing on
the system instead: as root, initdb and the server run as the unprivileged "nobody" account, which is given the
data folder. Not for real data: the team's own server is.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

UNPRIVILEGED_USER = "nobody"


@contextlib.contextmanager
def throwaway_server() -> Iterator[str]:
    """Start the server; yield its base URL (``postgresql://postgres@127.0.0.1:PORT/postgres``); stop and delete it.
    Raises ``RuntimeError`` with the reason when it cannot start (pgserver missing, no unprivileged account...)."""
    import importlib.util

    # Found, not imported: only its binaries are used, and importing it would warn when XDG_RUNTIME_DIR is unset.
    spec = importlib.util.find_spec("pgserver")
    if spec is None or spec.origin is None:
        raise RuntimeError("the pgserver package is not installed (pip install 'crossroads[postgres]')")
    bin_dir = Path(spec.origin).parent / "pginstall" / "bin"
    user = _unprivileged_user()
    data = Path(tempfile.mkdtemp(prefix="crossroads-pg-"))
    try:
        if user is not None:
            shutil.chown(data, user)
        port = _free_port()
        options = f"-h 127.0.0.1 -p {port} -k {data} -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        _run(bin_dir, user, data, "initdb", "-D", str(data / "db"), "-U", "postgres", "--auth=trust",
             "--encoding=UTF8", "--locale=C", "--no-sync")
        _run(bin_dir, user, data, "pg_ctl", "-D", str(data / "db"), "-l", str(data / "server.log"), "-w", "-t", "60",
             "-o", options, "start")
    except BaseException:
        shutil.rmtree(data, ignore_errors=True)
        raise
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        with contextlib.suppress(RuntimeError):
            _run(bin_dir, user, data, "pg_ctl", "-D", str(data / "db"), "-m", "immediate", "-w", "stop")
        shutil.rmtree(data, ignore_errors=True)


def _unprivileged_user() -> str | None:
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    import pwd

    try:
        pwd.getpwnam(UNPRIVILEGED_USER)
    except KeyError:
        raise RuntimeError(
            f"PostgreSQL cannot run as root and this system has no unprivileged '{UNPRIVILEGED_USER}' account"
        ) from None
    return UNPRIVILEGED_USER


def _run(bin_dir: Path, user: str | None, cwd: Path, program: str, *args: str) -> None:
    # Output to a file, never a pipe: the server pg_ctl starts inherits its stdout and would hold a pipe open.
    with tempfile.TemporaryFile("w+") as out:
        try:
            subprocess.run([str(bin_dir / program), *args], stdout=out, stderr=subprocess.STDOUT, check=True,
                           timeout=120, user=user, cwd=cwd)
        except (OSError, subprocess.SubprocessError) as exc:
            out.seek(0)
            raise RuntimeError(f"{program} failed: {exc}\n{out.read()[-2000:]}") from exc


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
