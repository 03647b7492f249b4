"""Where Crossroads keeps its data, and the settings the core understands.

Paths follow the platform's conventions (platformdirs). ``CROSSROADS_HOME`` moves all user data (knowledge
bases, settings) elsewhere, and ``CROSSROADS_MODELS_DIR`` moves the models folder; tests use them. Running from a
source checkout keeps downloaded weights in the checkout's git-ignored ``models/`` folder; a frozen bundle
(PyInstaller, ``packaging/build_bundle.py``) carries its models in a ``models/`` folder beside its executable.

Portable mode (``crossroads --portable``, ``CROSSROADS_PORTABLE=1``, or a ``portable.txt`` file beside the
executable) keeps all user data in ``data/`` beside the app, so a bundle on a USB stick leaves nothing in the home
folder of the laptop it runs on.
"""

from __future__ import annotations

import os
import sys
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

APP_NAME = "Crossroads"
PACKAGE_DIR = Path(__file__).resolve().parent
SOURCE_ROOT = PACKAGE_DIR.parent.parent  # the checkout's top level, when running from source
PORTABLE_ENV = "CROSSROADS_PORTABLE"
PORTABLE_MARKER = "portable.txt"
SERVER_API_KEY_ENV = "CROSSROADS_SERVER_API_KEY"  # a model server's API key when none is given (app and CLI)


def app_root() -> Path:
    """The folder the product runs from: beside the frozen executable, else the source checkout's top level."""
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve().parent
    return SOURCE_ROOT


def portable() -> bool:
    """Keep user data beside the app: asked for by ``--portable``/the environment, or a marker file in the app."""
    if os.environ.get(PORTABLE_ENV, "").strip() not in ("", "0"):
        return True
    return (app_root() / PORTABLE_MARKER).is_file()


def data_dir() -> Path:
    """Root of the user's data: knowledge bases, history, settings."""
    override = os.environ.get("CROSSROADS_HOME")
    if override:
        return Path(override).expanduser()
    if portable():
        return app_root() / "data"
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def models_dir() -> Path:
    """Where catalog models are pulled to and looked for first."""
    override = os.environ.get("CROSSROADS_MODELS_DIR")
    if override:
        return Path(override).expanduser()
    if (app_root() / "models" / "catalog.toml").is_file():  # a checkout, or a bundle with its models beside it
        return app_root() / "models"
    return data_dir() / "models"


def kbs_dir() -> Path:
    """Named knowledge bases live here, one folder each."""
    return data_dir() / "knowledge-bases"


@dataclass(frozen=True)
class Settings:
    """Product settings; the app persists them, the CLI takes them as flags."""

    threads: int = 0  # 0: choose from the machine (physical cores, at most 8)
    context_size: int = 4096
    temperature: float = 0.0
    max_tokens: int = 256
    seed: int = 42
    top_k: int = 4
    chunk_tokens: int = 200
    chunk_overlap: int = 40
    embedding_model: str = "all-minilm-l6-v2"

    def resolved_threads(self) -> int:
        if self.threads > 0:
            return self.threads
        import psutil

        cores = psutil.cpu_count(logical=False) or os.cpu_count() or 1
        return max(1, min(8, cores))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Settings:
        """Accepts a partial dict; unknown keys are ignored so old settings files keep loading."""
        known = {f.name: f.type for f in fields(cls)}
        clean = {k: v for k, v in values.items() if k in known}
        return replace(cls(), **clean)
