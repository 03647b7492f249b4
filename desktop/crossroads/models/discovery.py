"""GGUF models already on this computer: ours, and those other local-LLM apps downloaded.

A consultant's laptop often has models from LM Studio, Ollama or GPT4All; offering them saves a download at a
client site. The scan is shallow and cheap: bounded depth and entry count per folder, unreadable folders
skipped, and each candidate judged by its first four bytes only.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from crossroads import config
from crossroads.models.gguf_info import is_gguf

_MAX_ENTRIES = 20_000  # per folder tree: a huge Downloads folder must not stall the model bar
_LATER_SPLIT_PART = re.compile(r"-(\d{5})-of-\d{5}\.gguf$", re.IGNORECASE)  # only part 1 is opened


@dataclass(frozen=True)
class FoundModel:
    path: Path
    size: int
    source: str


@dataclass(frozen=True)
class Location:
    source: str
    folder: Path
    depth: int
    extensionless: bool = False  # Ollama stores weights as "sha256-…" blobs with no extension


def default_locations() -> list[Location]:
    from platformdirs import user_data_path, user_downloads_path

    home = Path.home()
    places = [Location("Crossroads", config.models_dir(), 2)]
    places += [Location("LM Studio", home / p, 4) for p in (".lmstudio/models", ".cache/lm-studio/models")]
    places.append(Location("GPT4All", user_data_path("nomic.ai", appauthor=False) / "GPT4All", 2))
    jan_data = user_data_path("Jan", appauthor=False, roaming=True) / "data" / "models"
    places += [Location("Jan", home / "jan" / "models", 4), Location("Jan", jan_data, 4)]
    ollama = [Path(os.environ["OLLAMA_MODELS"])] if os.environ.get("OLLAMA_MODELS") else []
    ollama.append(home / ".ollama" / "models")
    if sys.platform.startswith("linux"):
        ollama.append(Path("/usr/share/ollama/.ollama/models"))  # the system service's home
    places += [Location("Ollama", p / "blobs", 1, extensionless=True) for p in ollama]
    places.append(Location("Hugging Face cache", _hf_cache(home), 5))
    places.append(Location("Downloads", user_downloads_path(), 2))
    return places


def _hf_cache(home: Path) -> Path:
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    return home / ".cache" / "huggingface" / "hub"


def scan_for_models(extra_dirs: Iterable[Path] = ()) -> list[FoundModel]:
    """Every loadable-looking GGUF once (copies by path, hard and symbolic links by file identity)."""
    places = default_locations() + [Location("Other folder", Path(d).expanduser(), 3) for d in extra_dirs]
    seen: set[object] = set()
    found: list[FoundModel] = []
    for place in places:
        for path in sorted(_candidates(place)):
            try:
                st = path.stat()
            except OSError:
                continue
            key: object = (st.st_dev, st.st_ino) if st.st_ino else os.path.realpath(path)
            if key in seen or not is_gguf(path):
                continue
            seen.add(key)
            found.append(FoundModel(path=path, size=st.st_size, source=place.source))
    return found


def _candidates(place: Location) -> Iterator[Path]:
    budget = [_MAX_ENTRIES]
    yield from _walk(place.folder, place.depth, place.extensionless, budget)


def _walk(folder: Path, depth: int, extensionless: bool, budget: list[int]) -> Iterator[Path]:
    try:
        with os.scandir(folder) as it:
            entries = list(it)
    except OSError:  # missing, unreadable, not a folder
        return
    for entry in entries:
        budget[0] -= 1
        if budget[0] < 0:
            return
        name = entry.name
        try:
            if entry.is_dir(follow_symlinks=False):
                if depth > 1 and not name.startswith(".") and name != "blobs":
                    yield from _walk(Path(entry.path), depth - 1, extensionless, budget)
            elif entry.is_file() and _wanted(name, extensionless):
                yield Path(entry.path)
        except OSError:
            continue


def _wanted(name: str, extensionless: bool) -> bool:
    if name.startswith(".") or name.lower().startswith("mmproj"):  # temp files; vision projectors
        return False
    if extensionless:
        return "." not in name
    if not name.lower().endswith(".gguf"):
        return False
    split = _LATER_SPLIT_PART.search(name)
    return split is None or int(split.group(1)) == 1
