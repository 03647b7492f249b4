"""Adapters kept for later: ``<data dir>/adapters/<name>/adapter.gguf`` with its ``run.json`` manifest.

The manifest records what the adapter is for and how it was made: the base model's sha256 (an adapter only fits
the weights it was trained on), the data, the settings, the losses and the time. An adapter made for another
base model is refused with the reason, before llama.cpp would apply it to the wrong weights.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from crossroads.config import data_dir
from crossroads.errors import InputError, ModelError

ADAPTER_FILE = "adapter.gguf"
MANIFEST = "run.json"
WORK = "work"  # checkpoints and the PEFT folder while a run is unfinished
_NAME = re.compile(r"^[\w][\w .,()+-]{0,63}$", re.UNICODE)
_HASHES: dict[tuple[str, int, int], str] = {}


def adapters_dir() -> Path:
    return data_dir() / "adapters"


def check_name(name: str) -> str:
    clean = name.strip()
    if not _NAME.match(clean) or clean.endswith((" ", ".")):
        raise InputError(f"“{name}” cannot be an adapter name. Use letters, digits, spaces, - or _ "
                         "(up to 64 characters).")
    return clean


@dataclass
class Manifest:
    name: str
    base_model: str  # the GGUF's file name, for people
    base_sha256: str  # for the check
    created: str = ""
    data: dict[str, Any] = field(default_factory=dict)  # counts per source, validation share, file names
    settings: dict[str, Any] = field(default_factory=dict)
    train_losses: list[list[float]] = field(default_factory=list)
    eval_losses: list[list[float]] = field(default_factory=list)
    best_eval_loss: float | None = None
    steps: int = 0
    seconds: float = 0.0
    seconds_per_step: float = 0.0
    dtype: str = ""
    peak_bytes: int = 0
    verified: bool | None = None  # llama.cpp with the GGUF adapter reproduced the trained model (finetune.parity)
    parity: dict[str, Any] | None = None  # the check's figures: effect agreement, scale, top-1 share, reason

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True)
class AdapterRun:
    name: str
    folder: Path
    manifest: Manifest

    @property
    def adapter_path(self) -> Path:
        return self.folder / ADAPTER_FILE


def model_sha256(path: Path) -> str:
    """sha256 of a model file, remembered per (path, size, mtime) for the session: big files take seconds."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _HASHES:
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
        _HASHES[key] = digest.hexdigest()
    return _HASHES[key]


def run_folder(name: str) -> Path:
    return adapters_dir() / check_name(name)


def work_dir(name: str) -> Path:
    return run_folder(name) / WORK


def save_run(name: str, gguf_file: Path, manifest: Manifest, keep_work: bool = False) -> AdapterRun:
    """Move the finished adapter into place, write its manifest, drop the checkpoints."""
    folder = run_folder(name)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / ADAPTER_FILE
    if gguf_file.resolve() != target.resolve():
        shutil.copyfile(gguf_file, target)
    manifest.name = folder.name
    manifest.created = manifest.created or time.strftime("%Y-%m-%dT%H:%M:%S%z")
    tmp = folder / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(folder / MANIFEST)
    if not keep_work:
        shutil.rmtree(folder / WORK / "checkpoint", ignore_errors=True)
    return AdapterRun(folder.name, folder, manifest)


def load_run(name_or_folder: str | Path) -> AdapterRun:
    folder = Path(name_or_folder) if isinstance(name_or_folder, Path) else run_folder(name_or_folder)
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        manifest = Manifest.from_dict(data)
    except FileNotFoundError as exc:
        raise InputError(f"There is no adapter called “{folder.name}”.") from exc
    except (OSError, ValueError, TypeError) as exc:
        raise InputError(f"The manifest of the adapter “{folder.name}” is damaged ({exc}).") from exc
    if not (folder / ADAPTER_FILE).is_file():
        raise InputError(f"The adapter “{folder.name}” has no {ADAPTER_FILE}; train it again.")
    return AdapterRun(folder.name, folder, manifest)


def list_runs() -> list[AdapterRun]:
    """Finished adapters, by name; unfinished runs (no manifest yet) are not listed."""
    root = adapters_dir()
    if not root.is_dir():
        return []
    runs = []
    for folder in sorted(root.iterdir(), key=lambda p: p.name.casefold()):
        if (folder / MANIFEST).is_file():
            try:
                runs.append(load_run(folder))
            except InputError:
                continue
    return runs


def rename_run(old: str, new: str) -> AdapterRun:
    run = load_run(old)
    target = run_folder(new)
    if target.exists():
        raise InputError(f"An adapter named “{target.name}” already exists.")
    run.folder.rename(target)
    manifest = run.manifest
    manifest.name = target.name
    (target / MANIFEST).write_text(json.dumps(manifest.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    return AdapterRun(target.name, target, manifest)


def delete_run(name: str) -> None:
    folder = run_folder(name)
    if not folder.exists():
        raise InputError(f"There is no adapter called “{folder.name}”.")
    shutil.rmtree(folder)


def check_base(run: AdapterRun, model_path: Path) -> None:
    """Refuse an adapter trained on other weights: llama.cpp would apply it and answer nonsense."""
    _check_manifest(run.name, run.manifest, model_path)


def manifest_beside(adapter_file: Path) -> Manifest | None:
    """The manifest in an adapter file's folder (a kept run, the demo's adapter, a copied run folder), if any.

    An adapter made elsewhere has none; a damaged one cannot be trusted either. Both give None: llama.cpp's own
    check of names and shapes still applies, but it cannot tell two base models of the same shape apart.
    """
    try:
        return Manifest.from_dict(json.loads((Path(adapter_file).parent / MANIFEST).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError, KeyError):
        return None


def check_adapter_base(adapter_file: Path, model_path: Path) -> None:
    """Refuse an adapter file whose manifest names other base weights than ``model_path``'s."""
    manifest = manifest_beside(adapter_file)
    if manifest is not None and manifest.base_sha256:
        _check_manifest(Path(adapter_file).parent.name, manifest, model_path)


def _check_manifest(name: str, manifest: Manifest, model_path: Path) -> None:
    actual = model_sha256(model_path)
    if actual != manifest.base_sha256:
        raise ModelError(
            f"The adapter “{name}” was trained for {manifest.base_model} "
            f"(sha256 {manifest.base_sha256[:12]}…), not for the loaded model {model_path.name} "
            f"(sha256 {actual[:12]}…). Load that model, or train a new adapter for this one."
        )
