"""Where Crossroads keeps its data, and the settings the core understands.

Paths follow the platform's conventions (platformdirs). ``CROSSROADS_HOME`` moves all user data (knowledge
bases, settings) elsewhere, and ``CROSSROADS_MODELS_DIR`` moves the models folder; tests and portable installs use
them. Running from a source checkout keeps downloaded weights in the checkout's git-ignored ``models/`` folder.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

APP_NAME = "Crossroads"
PACKAGE_DIR = Path(__file__).resolve().parent
SOURCE_ROOT = PACKAGE_DIR.parent.parent  # the checkout's top level, when running from source


def data_dir() -> Path:
    """Root of the user's data: knowledge bases, history, settings."""
    override = os.environ.get("CROSSROADS_HOME")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def models_dir() -> Path:
    """Where catalog models are pulled to and looked for first."""
    override = os.environ.get("CROSSROADS_MODELS_DIR")
    if override:
        return Path(override).expanduser()
    if (SOURCE_ROOT / "models" / "catalog.toml").is_file():
        return SOURCE_ROOT / "models"
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
