"""Does llama.cpp with the GGUF adapter reproduce the model that was trained? A teacher-forced logit comparison.

Greedy tokens cannot answer that: torch runs the fp32 dequantisation of the user's quantised GGUF, llama.cpp runs
the quantised weights (and quantises activations), so even the base models part at the first near-tie and every
token after it differs. Instead both sides read the same text (the prompt and torch's own answer with the
adapter) and the logits are compared position by position:

- the quantisation gap: torch base against llama.cpp base, the noise any comparison carries;
- the adapter's effect: ``delta = logits(with adapter) - logits(base)`` on each side. A correctly converted
  adapter moves llama.cpp's logits the way it moves torch's, in direction (cosine) and in size (slope); a wrong
  scale, a missing matrix, swapped or misplaced tensors change one or both;
- the answer: how often torch's token is llama.cpp's top choice there.

Logits are centred per position first (a constant added to every logit changes no probability).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

# Measured on the tiny model (Q4_1) with adapters trained by the pipeline and damaged copies of them. The base gap
# (torch base against llama.cpp base) had a cosine of 0.9989-0.9995. A correct adapter: 3 steps, 4 check prompts:
# effect agreement 0.98 pooled (0.92-0.99 per prompt), scale 1.00; 10 steps, the fact's question: 0.997, scale 1.005.
# Damaged: lora_b zeroed 0.00; negated -0.25 to -0.52; each block given its neighbour's adapter -0.01; alpha halved
# 0.90-0.93 at scale 0.59-0.64 (with every answer token still llama.cpp's first choice); alpha doubled 0.94 at
# scale 1.49; the attention or MLP adapters dropped 0.91-0.92 at scale 0.52-0.67.
MIN_EFFECT_AGREEMENT = 0.95
# How far the two sides' effects may part, in units of the base gap |llama.cpp base - torch base|. With a correct
# adapter they parted by 1.2-1.5 gaps on every prompt (strong or weak effect alike), so an effect only 3 gaps
# strong can show an agreement of 0.92 and still be right: the required agreement follows from this allowance
# (1 / sqrt(1 + (allowance / effect_to_gap)^2)), capped at MIN_EFFECT_AGREEMENT.
NOISE_ALLOWANCE = 2.0
SCALE_RANGE = (0.9, 1.1)
MIN_TOP1 = 0.8  # the share of answer positions where torch's token is llama.cpp's first choice
TOP_K = 5
MIN_IN_TOP_K = 0.95
# Below this the adapter moves the logits less than quantisation does: its direction cannot be measured, and the
# verdict rests on the tokens alone.
MIN_EFFECT_TO_GAP = 1.0


@dataclass(frozen=True)
class Parity:
    ok: bool
    reason: str  # one sentence for people
    effect_agreement: float  # cosine of the two sides' logit deltas, all answer positions pooled
    effect_scale: float  # least-squares slope of llama.cpp's delta on torch's (1 = same size)
    effect_to_gap: float  # |torch delta| / |llama.cpp base - torch base|: how far the adapter stands above noise
    required_agreement: float  # what quantisation noise allows at this effect_to_gap
    base_agreement: float  # cosine of the base logits, torch against llama.cpp (the quantisation gap)
    top1: float
    in_top_k: float
    positions: int

    def to_dict(self) -> dict[str, Any]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def compare(torch_base: Sequence[np.ndarray], torch_tuned: Sequence[np.ndarray], llama_base: Sequence[np.ndarray],
            llama_tuned: Sequence[np.ndarray], tokens: Sequence[Sequence[int]]) -> Parity:
    """Each argument per prompt; logits are (positions, vocabulary), row j predicting ``tokens[i][j]``."""
    tb, tt, lb, lt = (np.concatenate([_centre(x) for x in side]) for side in (torch_base, torch_tuned, llama_base,
                                                                            llama_tuned))
    target = np.concatenate([np.asarray(t, dtype=np.int64) for t in tokens])
    if not len(target) == len(tb) == len(tt) == len(lb) == len(lt):
        raise ValueError("the logits and the tokens cover different positions")
    dt, dl = tt - tb, lt - lb
    agreement = _cosine(dt, dl)
    scale = float(np.vdot(dl, dt) / max(float(np.vdot(dt, dt)), 1e-30))
    gap = float(np.linalg.norm(lb - tb))
    effect_to_gap = float(np.linalg.norm(dt)) / max(gap, 1e-30)
    chosen = lt[np.arange(len(target)), target]
    ranks = (lt > chosen[:, None]).sum(axis=1)
    top1, in_top_k = float(np.mean(ranks == 0)), float(np.mean(ranks < TOP_K))
    required = required_agreement(effect_to_gap)
    ok, reason = _verdict(agreement, required, scale, effect_to_gap, top1, in_top_k)
    return Parity(ok, reason, agreement, scale, effect_to_gap, required, _cosine(tb, lb), top1, in_top_k,
                  len(target))


def required_agreement(effect_to_gap: float) -> float:
    """The effect agreement a correct adapter reaches at least, given how far its effect stands above noise."""
    if effect_to_gap <= 0:
        return MIN_EFFECT_AGREEMENT
    return min(MIN_EFFECT_AGREEMENT, 1.0 / math.sqrt(1.0 + (NOISE_ALLOWANCE / effect_to_gap) ** 2))


def _verdict(agreement: float, required: float, scale: float, effect_to_gap: float, top1: float,
             in_top_k: float) -> tuple[bool, str]:
    tokens = f"the trained answers' tokens are llama.cpp's first choice at {top1:.0%} of positions"
    measurable = effect_to_gap >= MIN_EFFECT_TO_GAP
    if measurable and (agreement < required or not SCALE_RANGE[0] <= scale <= SCALE_RANGE[1]):
        return False, (f"llama.cpp applies the adapter differently from the trained model: adapter effect "
                       f"agreement {agreement:.2f}, size {scale:.2f}x.")
    if top1 < MIN_TOP1 or in_top_k < MIN_IN_TOP_K:
        return False, f"llama.cpp does not reproduce the fine-tuned model: {tokens}."
    if not measurable:
        return True, (f"The adapter changes the model less than quantisation does, so only the answers were "
                      f"compared: {tokens}.")
    return True, f"llama.cpp reproduces the fine-tuned model: adapter effect agreement {agreement:.2f}; {tokens}."


def verdict_text(verified: bool | None, parity: dict[str, Any] | None) -> str:
    """The check's outcome in one sentence for the app and the command line."""
    if verified is None:
        return "Not checked in llama.cpp (no check questions)."
    reason = (parity or {}).get("reason") or (
        "llama.cpp reproduces the fine-tuned model." if verified else
        "llama.cpp's answers to the check questions differ from the trained model's.")
    return f"Verified: {reason}" if verified else f"Warning: {reason}"


def verdict_cell(verified: bool | None, parity: dict[str, Any] | None) -> str:
    """Short form for a table: "yes (0.98)" with the adapter effect agreement when it was measured."""
    word = {True: "yes", False: "no", None: "not checked"}[verified]
    agreement = (parity or {}).get("effect_agreement")
    effect = (parity or {}).get("effect_to_gap")
    if effect is not None and effect < MIN_EFFECT_TO_GAP:  # below quantisation noise: the agreement means nothing
        return f"{word} (answers)" if verified is not None else word
    return f"{word} ({agreement:.2f})" if verified is not None and agreement is not None else word


def _centre(logits: np.ndarray) -> np.ndarray:
    x = np.asarray(logits, dtype=np.float32)
    return x - x.mean(axis=-1, keepdims=True)


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(np.vdot(a, b) / norm) if norm > 0 else 0.0
