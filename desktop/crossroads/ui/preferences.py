"""The app's persisted choices (QSettings, an INI file in the user-data folder): settings, recent models, last
knowledge base, last fine-tuned adapter (with the model it was applied to), last model server (its URL and model,
never its key), theme, window layout.

An INI file next to the knowledge bases (rather than the registry or a plist) keeps everything Crossroads stores in
one folder a user can back up or delete, and lets tests run against a throwaway folder.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

from crossroads.config import Settings, data_dir

RECENT_LIMIT = 8


class Preferences:
    def __init__(self) -> None:
        folder = data_dir()
        folder.mkdir(parents=True, exist_ok=True)
        self._q = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)

    # -- the core settings ------------------------------------------------------------------------------------

    def settings(self) -> Settings:
        defaults = Settings()
        values: dict[str, Any] = {}
        for f in fields(Settings):
            raw = self._q.value(f"settings/{f.name}")
            if raw is None:
                continue
            default = getattr(defaults, f.name)
            try:
                values[f.name] = type(default)(raw)
            except (TypeError, ValueError):
                continue  # a hand-edited or damaged value: keep the default
        return Settings.from_dict(values)

    def save_settings(self, settings: Settings) -> None:
        for key, value in settings.to_dict().items():
            self._q.setValue(f"settings/{key}", value)
        self._q.sync()

    def reset_settings(self) -> Settings:
        self._q.remove("settings")
        self._q.sync()
        return Settings()

    # -- recent things ----------------------------------------------------------------------------------------

    def recent_models(self) -> list[str]:
        raw = self._q.value("recent_models", [])
        if isinstance(raw, str):
            raw = [raw]
        return [str(x) for x in (raw or []) if str(x)]

    def remember_model(self, path: str) -> None:
        recent = [path, *[p for p in self.recent_models() if p != path]][:RECENT_LIMIT]
        self._q.setValue("recent_models", recent)
        self._q.setValue("last_model", path)
        self._q.sync()

    def last_model(self) -> str | None:
        value = self._q.value("last_model")
        return str(value) if value else None

    def last_adapter(self, model_path: str) -> str | None:
        """The adapter last applied to this model, if it was still applied when the app closed."""
        if str(self._q.value("adapter/model", "")) != model_path:
            return None
        value = self._q.value("adapter/path")
        return str(value) if value else None

    def remember_adapter(self, model_path: str, adapter_path: str | None) -> None:
        self._q.setValue("adapter/model", model_path if adapter_path else "")
        self._q.setValue("adapter/path", adapter_path or "")
        self._q.sync()

    def last_server(self) -> tuple[str, str]:
        """The model server last used: base URL and model name ("" when none). Its API key is never stored."""
        return str(self._q.value("server/url", "") or ""), str(self._q.value("server/model", "") or "")

    def last_server_finetuned(self) -> str:
        """The fine-tuned model last named on that server ("" when none)."""
        return str(self._q.value("server/finetuned", "") or "")

    def remember_server(self, url: str, model: str, finetuned: str | None = None) -> None:
        self._q.setValue("server/url", url)
        self._q.setValue("server/model", model)
        self._q.setValue("server/finetuned", finetuned or "")
        self._q.sync()

    def last_kb(self) -> str | None:
        value = self._q.value("last_kb")
        return str(value) if value else None

    def remember_kb(self, name: str | None) -> None:
        """The knowledge base to open next time: a name, or a shared one's URL (never with a password)."""
        self._q.setValue("last_kb", name or "")
        self._q.sync()

    def recent_shared_kbs(self) -> list[str]:
        """Shared knowledge bases opened before, newest first: their URLs without passwords."""
        raw = self._q.value("recent_shared_kbs", [])
        if isinstance(raw, str):
            raw = [raw]
        return [str(x) for x in (raw or []) if str(x)]

    def remember_shared_kb(self, url: str) -> None:
        recent = [url, *[u for u in self.recent_shared_kbs() if u != url]][:RECENT_LIMIT]
        self._q.setValue("recent_shared_kbs", recent)
        self._q.sync()

    def forget_shared_kb(self, url: str) -> None:
        self._q.setValue("recent_shared_kbs", [u for u in self.recent_shared_kbs() if u != url])
        if self.last_kb() == url:
            self._q.setValue("last_kb", "")
        self._q.sync()

    # -- look -------------------------------------------------------------------------------------------------

    def theme(self) -> str:
        return str(self._q.value("theme", "system"))

    def set_theme(self, theme: str) -> None:
        self._q.setValue("theme", theme)

    def presentation(self) -> bool:
        return str(self._q.value("presentation", "false")).lower() == "true"

    def set_presentation(self, on: bool) -> None:
        self._q.setValue("presentation", on)

    def geometry(self) -> QByteArray | None:
        value = self._q.value("window/geometry")
        return value if isinstance(value, QByteArray) else None

    def set_geometry(self, geometry: QByteArray) -> None:
        self._q.setValue("window/geometry", geometry)
        self._q.sync()
