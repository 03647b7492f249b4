"""The training process's events as data: one JSON line each on its stdout, parsed here for the CLI and the app."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Loading:
    model: str
    architecture: str
    dtype: str


@dataclass(frozen=True)
class Started:
    """After the first, measured step: what the whole run will cost."""

    seconds_per_step: float
    total_seconds: float
    peak_bytes: int
    available_bytes: int
    dtype: str
    examples: int
    validation: int
    total_steps: int
    resumed_at: int  # steps already done by an earlier session


@dataclass(frozen=True)
class Resumed:
    step: int
    total_steps: int


@dataclass(frozen=True)
class Step:
    step: int
    total_steps: int
    loss: float
    tokens_per_s: float
    seconds: float
    eta_s: float


@dataclass(frozen=True)
class Evaluated:
    step: int
    loss: float  # held-out
    best: float
    improved: bool


@dataclass(frozen=True)
class Checkpoint:
    step: int


@dataclass(frozen=True)
class Cancelled:
    step: int
    total_steps: int


@dataclass(frozen=True)
class Converted:
    path: str
    bytes: int


@dataclass(frozen=True)
class Verified:
    """The parity check (``finetune.parity``): does llama.cpp with the GGUF adapter reproduce the trained model?"""

    ok: bool
    prompts: list[dict[str, Any]] = field(default_factory=list)  # per question: both answers and its figures
    reason: str = ""
    effect_agreement: float | None = None  # cosine of the adapter's logit change, llama.cpp against torch
    effect_scale: float | None = None
    effect_to_gap: float | None = None  # how far the adapter's effect stands above the quantisation gap
    required_agreement: float | None = None  # the agreement that gap allows a correct adapter
    base_agreement: float | None = None  # the quantisation gap, base against base
    top1: float | None = None  # share of the trained answers' tokens that are llama.cpp's first choice
    in_top_k: float | None = None
    positions: int = 0


@dataclass(frozen=True)
class Done:
    adapter: str
    steps: int
    total_steps: int
    stopped_early: bool
    best_eval_loss: float | None
    train_losses: list[list[float]]
    eval_losses: list[list[float]]
    train_seconds: float
    seconds: float
    seconds_per_step: float
    dtype: str
    peak_bytes: int
    verified: bool | None
    parity: dict[str, Any] | None = None  # the Verified figures, for the manifest


@dataclass(frozen=True)
class Failed:
    message: str


@dataclass(frozen=True)
class Unknown:
    """A line this version does not know (or not JSON): shown in the log, never fatal."""

    text: str


TrainEvent = Loading | Started | Resumed | Step | Evaluated | Checkpoint | Cancelled | Converted | Verified | Done \
    | Failed | Unknown


def parse(line: str) -> TrainEvent:
    try:
        data = json.loads(line)
        kind = data.pop("event")
    except (ValueError, AttributeError, KeyError, TypeError):
        return Unknown(line.rstrip("\n"))
    try:
        return _build(kind, data)
    except (KeyError, TypeError):
        return Unknown(line.rstrip("\n"))


def _build(kind: str, d: dict[str, Any]) -> TrainEvent:
    if kind == "loading":
        return Loading(d["model"], d["architecture"], d["dtype"])
    if kind == "started":
        e = d["estimate"]
        return Started(e["seconds_per_step"], e["total_seconds"], e["peak_bytes"], e["available_bytes"], e["dtype"],
                       d["examples"], d["validation"], d["total_steps"], d["resumed_at"])
    if kind == "resumed":
        return Resumed(d["step"], d["total_steps"])
    if kind == "step":
        return Step(d["step"], d["total_steps"], d["loss"], d["tokens_per_s"], d["seconds"], d["eta_s"])
    if kind == "eval":
        return Evaluated(d["step"], d["loss"], d["best"], d["improved"])
    if kind == "checkpoint":
        return Checkpoint(d["step"])
    if kind == "cancelled":
        return Cancelled(d["step"], d["total_steps"])
    if kind == "converted":
        return Converted(d["path"], d["bytes"])
    if kind == "verified":
        fields = Verified.__dataclass_fields__
        return Verified(**{k: v for k, v in d.items() if k in fields})
    if kind == "done":
        fields = Done.__dataclass_fields__
        return Done(**{k: v for k, v in d.items() if k in fields})
    if kind == "error":
        return Failed(d["message"])
    return Unknown(json.dumps({"event": kind, **d}))
