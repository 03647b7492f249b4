"""Named knowledge bases (one folder each under the data folder), knowledge bases given as a folder path, and
knowledge bases on a PostgreSQL server given as ``postgresql://USER@HOST:PORT/DATABASE?kb=NAME``.

A server URL is checked first; then a value that looks like a path (has a slash, starts with ``.`` or ``~``, or is
absolute) is a folder; anything else is a name. So ``acme`` is always the named KB, even if the current folder
happens to hold an ``acme``.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from crossroads.config import kbs_dir
from crossroads.errors import InputError, KnowledgeBaseError
from crossroads.store.knowledge_base import DB_NAME, KnowledgeBase
from crossroads.store.postgres.address import is_server_url

if TYPE_CHECKING:
    from crossroads.store.postgres import PostgresKnowledgeBase

_NAME = re.compile(r"^[\w][\w .,()+-]{0,63}$", re.UNICODE)


def is_path_like(value: str) -> bool:
    return "/" in value or "\\" in value or value.startswith((".", "~")) or Path(value).is_absolute()


def check_name(name: str) -> str:
    """A usable KB name: letters, digits, spaces and a little punctuation, at most 64 characters."""
    _refuse_server_url(name)
    clean = name.strip()
    if not _NAME.match(clean) or clean.endswith((" ", ".")):
        raise InputError(
            f"“{name}” cannot be a knowledge base name. Use letters, digits, spaces, - or _ "
            "(up to 64 characters), or give a folder path instead."
        )
    return clean


def resolve_kb_path(name_or_path: str) -> Path:
    """The folder of a named KB (it may not exist yet) or the given folder."""
    value = name_or_path.strip()
    if not value:
        raise InputError("Give a knowledge base name or folder.")
    _refuse_server_url(value)
    if is_path_like(value):
        return Path(value).expanduser().absolute()
    return kbs_dir() / check_name(value)


def _refuse_server_url(value: str) -> None:
    """Local-only operations say so for a server URL, without echoing it (it may hold a password)."""
    if is_server_url(value):
        raise InputError(
            "A knowledge base on a PostgreSQL server works with index, ask, eval and kb show, check and remove-doc; "
            "this needs one on this computer (a name or a folder)."
        )


def open_knowledge_base(spec: str, create: bool = False) -> KnowledgeBase | PostgresKnowledgeBase:
    """The knowledge base ``spec`` names: on a PostgreSQL server for a ``postgresql://`` URL, else on this computer.
    Raises ``KnowledgeBaseError`` when it does not exist (unless ``create``) or its server is unreachable."""
    if is_server_url(spec):
        from crossroads.store.postgres import PostgresKnowledgeBase

        return PostgresKnowledgeBase.open(spec, create=create)
    return KnowledgeBase.open(resolve_kb_path(spec), create=create)


def knowledge_base_exists(spec: str) -> bool:
    """Whether ``spec`` names an existing knowledge base (asking its server, for a URL)."""
    if not is_server_url(spec):
        return (resolve_kb_path(spec) / DB_NAME).is_file()
    try:
        open_knowledge_base(spec).close()
    except KnowledgeBaseError as exc:
        if exc.message.startswith("There is no knowledge base"):
            return False
        raise
    return True


def list_kbs() -> list[str]:
    """Names of the knowledge bases in the data folder, sorted."""
    root = kbs_dir()
    if not root.is_dir():
        return []
    return sorted((p.name for p in root.iterdir() if (p / DB_NAME).is_file()), key=str.casefold)


def rename_kb(old: str, new: str) -> Path:
    source = _existing(old)
    target = kbs_dir() / check_name(new)
    if target.exists():
        raise KnowledgeBaseError(f"A knowledge base named “{target.name}” already exists.")
    try:
        source.rename(target)
    except OSError as exc:
        raise KnowledgeBaseError(f"“{old}” could not be renamed: {exc.strerror}.") from exc
    return target


def delete_kb(name: str) -> None:
    """Delete a named knowledge base and everything in its folder (not the documents it indexed)."""
    folder = _existing(name)
    try:
        shutil.rmtree(folder)
    except OSError as exc:
        raise KnowledgeBaseError(f"“{name}” could not be deleted completely: {exc.strerror}.") from exc


def _existing(name: str) -> Path:
    folder = kbs_dir() / check_name(name)
    if not (folder / DB_NAME).is_file():
        raise KnowledgeBaseError(f"There is no knowledge base named “{name}”.")
    return folder
