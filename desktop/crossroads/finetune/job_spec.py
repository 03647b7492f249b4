"""The job file both processes read: what to train, where to write, and how to cancel.

Plain JSON so the training process needs nothing from the parent but a path.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from crossroads.finetune.plan import TrainSettings


@dataclass(frozen=True)
class JobSpec:
    model_path: Path  # the GGUF the adapter is trained for
    work_dir: Path  # checkpoints, the PEFT adapter and the GGUF adapter are written here
    train_file: Path  # examples.write_jsonl files
    validation_file: Path | None = None
    settings: TrainSettings = field(default_factory=TrainSettings)
    system_message: str = ""  # sent before every question, as the app's prompts do
    verify_prompts: tuple[str, ...] = ()  # questions whose greedy answers must agree in PEFT and llama.cpp
    verify_tokens: int = 16

    @property
    def cancel_file(self) -> Path:
        """Created by the parent to ask for a cancel (works where signals do not, e.g. Windows)."""
        return self.work_dir / "CANCEL"

    @property
    def checkpoint_dir(self) -> Path:
        return self.work_dir / "checkpoint"

    @property
    def adapter_dir(self) -> Path:
        """The best adapter so far, as a PEFT folder (adapter_config.json + adapter_model.safetensors)."""
        return self.work_dir / "peft"

    @property
    def adapter_gguf(self) -> Path:
        return self.work_dir / "adapter.gguf"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            model_path=str(self.model_path), work_dir=str(self.work_dir), train_file=str(self.train_file),
            validation_file=str(self.validation_file) if self.validation_file else None,
            settings=self.settings.to_dict(), verify_prompts=list(self.verify_prompts),
        )
        return data

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> JobSpec:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            model_path=Path(data["model_path"]), work_dir=Path(data["work_dir"]),
            train_file=Path(data["train_file"]),
            validation_file=Path(data["validation_file"]) if data.get("validation_file") else None,
            settings=TrainSettings.from_dict(data.get("settings", {})),
            system_message=data.get("system_message", ""),
            verify_prompts=tuple(data.get("verify_prompts", ())), verify_tokens=int(data.get("verify_tokens", 16)),
        )
