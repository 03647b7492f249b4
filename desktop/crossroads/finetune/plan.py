"""The settings of a run, whether this model can be fine-tuned here, and whether the run will fit.

Defaults follow what worked on a 2-core CPU (research notes): LoRA rank 8 on the attention and MLP projections -
never the embeddings or ``lm_head``, which are often tied and which llama.cpp's loader refuses for tied models -
batch 1 with gradient accumulation, sequences of at most 256 tokens, a few epochs with early stopping.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from crossroads.errors import InputError, ModelError

TARGET_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")

# GGUF architectures whose weights transformers reads (its GGUF_SUPPORTED_ARCHITECTURES) *and* whose projections
# the adapter converter maps onto llama.cpp's tensors. Keep in step with adapter_gguf.
FINETUNABLE = ("llama", "mistral", "qwen2", "qwen3", "gemma2", "gemma3")


@dataclass(frozen=True)
class TrainSettings:
    rank: int = 8
    alpha: float = 16.0
    dropout: float = 0.05
    learning_rate: float = 2e-4
    max_length: int = 256  # tokens per example; longer ones are cut
    epochs: float = 3.0
    max_steps: int = 0  # 0: from the epochs; otherwise stop after this many optimizer steps
    grad_accumulation: int = 4  # examples per optimizer step (batch 1 each)
    eval_every: int = 10  # optimizer steps between held-out evaluations
    checkpoint_every: int = 10
    patience: int = 3  # evaluations without a better held-out loss before stopping early
    seed: int = 42
    threads: int = 2
    dtype: str = "auto"  # "auto" measures fp32 against bf16; "float32" or "bfloat16" forces one

    def __post_init__(self) -> None:
        if self.rank < 1 or self.alpha <= 0:
            raise InputError("The LoRA rank and alpha must be positive.")
        if not 0 <= self.dropout < 1:
            raise InputError("The dropout must be between 0 and 1.")
        if not 0 < self.learning_rate < 1:
            raise InputError("The learning rate must be between 0 and 1 (e.g. 0.0002).")
        if self.max_length < 16 or self.grad_accumulation < 1 or self.max_steps < 0 or self.epochs <= 0:
            raise InputError("The sequence length, steps, epochs and accumulation must be positive.")
        if self.dtype not in ("auto", "float32", "bfloat16"):
            raise InputError('The number format must be "auto", "float32" or "bfloat16".')

    def total_steps(self, examples: int) -> int:
        """Optimizer steps of the whole run."""
        if self.max_steps:
            return self.max_steps
        per_epoch = max(1, -(-examples // self.grad_accumulation))
        return max(1, round(per_epoch * self.epochs))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainSettings:
        known = {f.name for f in fields(cls)}
        return replace(cls(), **{k: v for k, v in values.items() if k in known})


def check_architecture(architecture: str) -> None:
    """Refuse, in words, a model this version cannot fine-tune (the app still answers with it)."""
    if architecture not in FINETUNABLE:
        raise ModelError(
            f"Models of the “{architecture}” family are not supported for fine-tuning here. Fine-tuning works "
            f"with {', '.join(FINETUNABLE)} models; this model can still answer with and without your documents."
        )


@dataclass(frozen=True)
class Estimate:
    """The run's cost, from one measured optimizer step (first steps are slower: the figure errs long)."""

    seconds_per_step: float
    steps: int
    peak_bytes: int
    available_bytes: int
    dtype: str

    @property
    def total_seconds(self) -> float:
        return self.seconds_per_step * self.steps

    @property
    def fits(self) -> bool:
        return self.peak_bytes <= self.available_bytes

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "total_seconds": round(self.total_seconds, 1), "fits": self.fits}


def estimate(seconds_per_step: float, steps: int, peak_bytes: int, dtype: str, headroom: float = 1.15,
             available_bytes: int | None = None) -> Estimate:
    """Scale one measured step to the run; the peak gets headroom for the evaluations and the checkpoints."""
    if available_bytes is None:
        import psutil

        available_bytes = int(psutil.virtual_memory().available)
    return Estimate(seconds_per_step, steps, int(peak_bytes * headroom), available_bytes, dtype)


def refuse_if_too_big(est: Estimate, already_used: int = 0) -> None:
    """The measured step already holds most of the memory: what is missing is the rest of the peak."""
    if est.peak_bytes - already_used > est.available_bytes:
        raise ModelError(
            f"Fine-tuning this model needs about {est.peak_bytes / 1e9:.1f} GB of memory but only "
            f"{(est.available_bytes + already_used) / 1e9:.1f} GB is free. Close other programs, or use a shorter "
            "sequence length or a smaller model."
        )


def choose_dtype(requested: str = "auto", size: int = 768, repeats: int = 3) -> str:
    """fp32 unless bf16 matmuls measure clearly faster on this CPU (45x slower on one machine, 2x faster on another).

    A matmul of a projection's size is timed in both formats: milliseconds, not a training step.
    """
    if requested != "auto":
        return requested
    import torch

    a32 = torch.randn(size, size)
    b32 = torch.randn(size, size)

    def best(a: Any, b: Any) -> float:
        torch.matmul(a, b)  # warm-up
        times = []
        for _ in range(repeats):
            began = time.perf_counter()
            torch.matmul(a, b)
            times.append(time.perf_counter() - began)
        return min(times)

    fp32 = best(a32, b32)
    bf16 = best(a32.bfloat16(), b32.bfloat16())
    return "bfloat16" if bf16 * 1.3 < fp32 else "float32"
