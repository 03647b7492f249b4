"""Running the real ``crossroads`` command in a child process, killing it, and judging what it left behind."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import crossroads
from crossroads.faults import ENV as FAULT_ENV
from crossroads.store import KnowledgeBase
from crossroads.store.knowledge_base import VECTORS_NAME

SOURCE = Path(crossroads.__file__).resolve().parent.parent  # the code under test, not an installed copy
_INDEXED = re.compile(r"^indexed  (.+) \(\d+ chunks.*\)$", re.MULTILINE)


@dataclass
class Run:
    """One finished child: its exit code (-9 when SIGKILLed) and everything it said on stderr."""

    code: int
    stderr: str
    seconds: float

    @property
    def killed(self) -> bool:
        return self.code == -signal.SIGKILL

    def reported_indexed(self) -> set[str]:
        """Documents the command said it indexed, as the knowledge base stores their paths."""
        return {str(Path(p).resolve()) for p in _INDEXED.findall(self.stderr)}


def child_env(fault: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(SOURCE), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.pop(FAULT_ENV, None)
    if fault:
        env[FAULT_ENV] = fault
    return env


class Child(Protocol):
    def poll(self) -> int | None: ...
    def kill(self) -> None: ...
    def wait(self, timeout: float | None = None) -> int: ...


def start(args: list[str], log: Path, fault: str | None = None) -> subprocess.Popen[bytes]:
    """``python -m crossroads ARGS`` with stderr to ``log`` (a pipe could fill up and stall the child)."""
    with log.open("wb") as handle:
        return subprocess.Popen([sys.executable, "-m", "crossroads", *args], stdout=subprocess.DEVNULL,
                                stderr=handle, env=child_env(fault))


# Modules every `crossroads index` child needs; importing them takes most of its start-up (14 s on a busy
# 2-core machine, against well under a second of indexing per kill).
PRELOAD = ["torch", "transformers", "sentence_transformers", "faiss", "numpy", "docx", "pypdfium2",
           "crossroads.cli", "crossroads.cli.index_cmd", "crossroads.cli.kb_cmd", "crossroads.rag.embedding",
           "crossroads.ingest", "crossroads.store", "crossroads.store.indexer"]


class Forked:
    """``crossroads ARGS`` in a process forked from a server that has already imported ``PRELOAD``: the same
    code as the command, in its own process, killed for real, at a tenth of the start-up time."""

    def __init__(self, args: list[str], log: Path, fault: str | None) -> None:
        import multiprocessing

        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        self._process = context.Process(target=_forked_main, args=(args, str(log), child_env(fault)))
        self._process.start()

    def poll(self) -> int | None:
        return self._process.exitcode

    def kill(self) -> None:
        self._process.kill()

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        if self._process.exitcode is None:
            raise subprocess.TimeoutExpired("crossroads", timeout or 0)
        return self._process.exitcode


def _forked_main(args: list[str], log: str, env: dict[str, str]) -> None:
    os.environ.clear()
    os.environ.update(env)
    with open(log, "wb") as handle, open(os.devnull, "wb") as null:
        os.dup2(handle.fileno(), 2)
        os.dup2(null.fileno(), 1)
    from crossroads.cli import main

    sys.exit(main(args))


def finish(process: Child, log: Path, began: float, timeout: float = 300) -> Run:
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise AssertionError(f"crossroads did not finish in {timeout} s: {log.read_text()[-2000:]}") from None
    return Run(code, _text(log), time.monotonic() - began)


def run(args: list[str], log: Path, fault: str | None = None, kill_after: float | None = None,
        kill_when: str = "Indexing into", forked: bool = False) -> Run:
    """Run to the end, or to the fault point, or until ``kill_after`` seconds after ``kill_when`` is printed.
    ``forked``: in a ``Forked`` child rather than a new ``python -m crossroads``."""
    began = time.monotonic()
    process: Child = Forked(args, log, fault) if forked else start(args, log, fault)
    if kill_after is not None:
        while process.poll() is None and kill_when not in _text(log):
            time.sleep(0.02)
        time.sleep(kill_after)
        if process.poll() is None:
            process.kill()
    return finish(process, log, began)


def _text(log: Path) -> str:
    try:
        return log.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return ""


def fill(disk: Path, leave: int) -> Path:
    """Write a file that leaves about ``leave`` bytes free on ``disk``."""
    filler = disk / "filler.bin"
    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    with filler.open("wb") as handle:
        handle.write(b"\0" * max(0, free - leave))
    return filler


@dataclass
class Verdict:
    """What a knowledge base looks like after a run, and what is wrong with it."""

    documents: dict[str, tuple[str, int]]  # path -> (state, chunk_tokens)
    problems: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)


def inspect(kb_path: Path, before: dict[str, tuple[str, int]], reported: set[str], chunk_tokens: int,
            copy: bool = True) -> Verdict:
    """Open the knowledge base as the next run would, and judge it against what was known before the run and
    what the run reported as done. ``copy``: judge a copy, so that the next run meets exactly what the kill left
    (opening mends a stale FAISS file, which would spare the next run that work)."""
    if copy:
        scratch = Path(tempfile.mkdtemp(prefix="inspected-"))
        try:
            shutil.copytree(kb_path, scratch / kb_path.name)
            return inspect(scratch / kb_path.name, before, reported, chunk_tokens, copy=False)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    with KnowledgeBase.open(kb_path) as kb:
        problems = kb.check()
        conn = kb._conn
        documents = {p: (s, t) for p, s, t in conn.execute("SELECT path, state, chunk_tokens FROM documents")}
        duplicates = conn.execute(
            "SELECT count(*) FROM (SELECT document_id, ordinal FROM chunks GROUP BY document_id, ordinal "
            "HAVING count(*) > 1)").fetchone()[0]
        if duplicates:
            problems.append(f"{duplicates} passages are stored twice")
    leftovers = list(kb_path.glob(f"{VECTORS_NAME}.*.tmp"))
    if leftovers:
        problems.append(f"half-written files left: {[p.name for p in leftovers]}")
    lost = [p for p, (state, _) in before.items() if state == "indexed" and documents.get(p, ("", 0))[0] != state]
    for path in reported:
        if documents.get(path) != ("indexed", chunk_tokens):
            lost.append(path)
    return Verdict(documents, problems, sorted(set(lost)))
