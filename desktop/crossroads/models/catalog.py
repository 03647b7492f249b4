"""The model catalog: which models Crossroads can pull, where they travel, and how to check them.

The catalog is data (``models/catalog.toml``); this module only loads and validates it, and turns what the
user typed (a catalog name, a path, or nothing) into a model path on disk.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crossroads import config
from crossroads.errors import ModelError, SetupError

ROLES = ("chat", "embedding")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_HF_ID = re.compile(r"^[\w.-]+/[\w.-]+$")


@dataclass(frozen=True)
class Part:
    """One wheel that carries (a piece of) a model. A ``member`` ending in "/" is a folder in the wheel."""

    dist: str
    version: str
    member: str


@dataclass(frozen=True)
class CatalogEntry:
    name: str
    role: str
    display_name: str
    description: str
    licence: str
    sha256: str
    parts: tuple[Part, ...]
    default: bool = False
    file: str | None = None
    folder: str | None = None
    size: int | None = None
    hf_model: str | None = None  # the model's Hugging Face id ("owner/name"): what a GPU trainer loads

    def local_path(self, models_dir: Path | None = None) -> Path:
        """Where this model lives once pulled."""
        base = models_dir if models_dir is not None else config.models_dir()
        return base / (self.file or self.folder or self.name)

    def is_present(self, models_dir: Path | None = None) -> bool:
        """A quick look (size, or a non-empty folder); ``pull.verify`` does the full sha256 check."""
        path = self.local_path(models_dir)
        try:
            if self.file:
                return path.is_file() and (self.size is None or path.stat().st_size == self.size)
            return path.is_dir() and any(p.is_file() for p in path.rglob("*"))
        except OSError:
            return False


class Catalog:
    def __init__(self, entries: list[CatalogEntry], source: Path | None = None) -> None:
        self._entries = list(entries)
        self._by_name = {e.name: e for e in self._entries}
        self.source = source

    def __iter__(self) -> Iterator[CatalogEntry]:
        return iter(self._entries)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.find(name) is not None

    def find(self, name: str) -> CatalogEntry | None:
        """Exact name, else a case-insensitive match: people type names by hand."""
        if name in self._by_name:
            return self._by_name[name]
        folded = name.casefold()
        return next((e for e in self._entries if e.name.casefold() == folded), None)

    def get(self, name: str) -> CatalogEntry:
        entry = self.find(name)
        if entry is None:
            known = ", ".join(e.name for e in self._entries)
            raise SetupError(f"There is no model called “{name}” in the catalog. Known models: {known}.")
        return entry

    def entries(self, role: str | None = None) -> list[CatalogEntry]:
        return [e for e in self._entries if role is None or e.role == role]

    def default(self, role: str) -> CatalogEntry:
        """The entry marked default for ``role``, else the first of that role."""
        candidates = self.entries(role)
        if not candidates:
            raise SetupError(f"The model catalog has no {role} model.")
        return next((e for e in candidates if e.default), candidates[0])


def catalog_candidates() -> list[Path]:
    """The checkout's catalog first (it is the one being edited), then the copy shipped in the package."""
    return [config.app_root() / "models" / "catalog.toml", Path(__file__).resolve().parent / "catalog.toml"]


def load_catalog(path: Path | None = None) -> Catalog:
    if path is None:
        path = next((p for p in catalog_candidates() if p.is_file()), None)
        if path is None:
            raise SetupError("The model catalog is missing from this installation; reinstall Crossroads.")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SetupError(f"The model catalog {path} cannot be read ({exc}); reinstall Crossroads.") from exc
    raw = data.get("model", [])
    if not isinstance(raw, list):
        raise SetupError(f"The model catalog {path} is damaged: [[model]] entries expected.")
    entries: list[CatalogEntry] = []
    for index, item in enumerate(raw, start=1):
        try:
            entries.append(_entry(item))
        except (KeyError, TypeError, ValueError) as exc:
            raise SetupError(f"The model catalog {path} is damaged: model #{index}: {exc}") from exc
    names = [e.name.casefold() for e in entries]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise SetupError(f"The model catalog {path} is damaged: names used twice: {', '.join(duplicates)}")
    return Catalog(entries, source=path)


def _text(item: Mapping[str, Any], key: str, default: str | None = None) -> str:
    value = item.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"“{key}” must be a non-empty text")
    return value


def _entry(item: Mapping[str, Any]) -> CatalogEntry:
    if not isinstance(item, Mapping):
        raise TypeError("an entry must be a table")
    name = _text(item, "name")
    role = _text(item, "role")
    if role not in ROLES:
        raise ValueError(f"role “{role}” is not one of {', '.join(ROLES)}")
    sha = _text(item, "sha256").lower()
    if not _SHA256.match(sha):
        raise ValueError("sha256 must be 64 hexadecimal digits")
    file, folder = item.get("file"), item.get("folder")
    if (file is None) == (folder is None):
        raise ValueError("exactly one of “file” and “folder” must be given")
    target = file if file is not None else folder
    if not isinstance(target, str) or not target or "/" in target or "\\" in target or target.startswith("."):
        raise ValueError("“file”/“folder” must be a plain name inside the models folder")
    size = item.get("size")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size <= 0):
        raise ValueError("size must be a positive whole number of bytes")
    raw_parts = item.get("parts")
    if not isinstance(raw_parts, list) or not raw_parts:
        raise ValueError("“parts” must list at least one wheel")
    parts = tuple(Part(_text(p, "dist"), _text(p, "version"), _text(p, "member")) for p in raw_parts)
    for part in parts:
        if part.member.endswith("/") != (folder is not None):
            raise ValueError(f"member {part.member} must end in “/” exactly when the model is a folder")
    default = item.get("default", False)
    if not isinstance(default, bool):
        raise ValueError("default must be true or false")
    hf_model = item.get("hf_model")
    if hf_model is not None and (not isinstance(hf_model, str) or not _HF_ID.match(hf_model)):
        raise ValueError("hf_model must be a Hugging Face model id, owner/name")
    return CatalogEntry(
        name=name, role=role, display_name=_text(item, "display_name", name),
        description=str(item.get("description", "")), licence=_text(item, "licence"), sha256=sha,
        parts=parts, default=default, file=file, folder=folder, size=size, hf_model=hf_model,
    )


def _a(word: str) -> str:
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"


OWN_GGUF = ("Or use a GGUF chat model of your own: Open GGUF… in the app's model bar, or `--model FILE.gguf` "
            "on the command line.")


def _missing(entry: CatalogEntry) -> SetupError:
    """Say how to get the model; for a chat model (left out of the small bundle) also how to use one's own."""
    message = (f"The model “{entry.display_name}” is not downloaded yet; run `crossroads models pull {entry.name}` "
               "(it needs the internet once).")
    return SetupError(f"{message} {OWN_GGUF}" if entry.role == "chat" else message)


def _resolve(name_or_path: str | None, role: str) -> Path:
    catalog = load_catalog()
    if name_or_path is None or not str(name_or_path).strip():
        entry = catalog.default(role)
    else:
        entry = catalog.find(str(name_or_path))
    if entry is not None:
        if entry.role != role:
            raise ModelError(f"“{entry.name}” is {_a(entry.role)} model, not {_a(role)} model.")
        if not entry.is_present():
            raise _missing(entry)
        return entry.local_path()
    path = Path(str(name_or_path)).expanduser()
    known = ", ".join(e.name for e in catalog.entries(role))
    if not path.exists():
        raise ModelError(f"“{name_or_path}” is neither a file on this computer nor a model in the catalog "
                         f"(catalog {role} models: {known}).")
    return path


def display_name_for(path: Path) -> str | None:
    """A catalog model goes by its catalog name: GGUF titles can mislead (the default calls itself "AWQ")."""
    try:
        entries = load_catalog().entries("chat")
    except SetupError:  # a damaged catalog must not stop a model from loading
        return None
    target = Path(path).resolve()
    same = next((e.display_name for e in entries if e.local_path().resolve() == target), None)
    if same is not None:
        return same
    # A copy elsewhere (another installation's models folder, a USB stick): the catalog's file name and exact size.
    try:
        size = target.stat().st_size
    except OSError:
        return None
    return next((e.display_name for e in entries if e.file == target.name and e.size == size), None)


def resolve_chat_model(name_or_path: str | None) -> Path:
    """A catalog name, a GGUF path, or None for the default chat model."""
    path = _resolve(name_or_path, "chat")
    if path.is_dir():
        raise ModelError(f"{path} is a folder; a chat model is a single .gguf file.")
    return path


def resolve_embedding_model(name_or_path: str | None) -> Path:
    """A catalog name, a sentence-transformers model folder, or None for the default embedder."""
    path = _resolve(name_or_path, "embedding")
    if not path.is_dir():
        raise ModelError(f"{path} is a file; an embedding model is a sentence-transformers model folder.")
    if not ((path / "modules.json").is_file() or (path / "config.json").is_file()):
        raise ModelError(f"The folder {path} does not look like a sentence-transformers model "
                         "(it has no modules.json or config.json).")
    return path
