"""What a generation produces, as plain data: the core's stream that the CLI prints and the app relays."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SamplingParams:
    """One set of sampling settings, applied identically to every column so the comparison is fair."""

    max_tokens: int = 256
    temperature: float = 0.0  # 0 means greedy: the same answer every run
    top_k: int = 40
    top_p: float = 0.95
    min_p: float = 0.05
    repeat_penalty: float = 1.0
    seed: int = 42
    ignore_eos: bool = False  # benchmarks only: generate exactly max_tokens


@dataclass(frozen=True)
class Timings:
    prompt_tokens: int
    completion_tokens: int
    reused_prompt_tokens: int  # prompt tokens found already in the KV cache and not evaluated again
    ttft_s: float  # from the start of the request to the first token of this sequence
    wall_s: float  # from the start of the request to this sequence's last token
    tokens_per_s: float  # generation speed after the first token
    # The token counts are estimates: a model server that does not report usage in its stream (see server_engine).
    estimated: bool = False

    def to_dict(self) -> dict[str, float | int | bool]:
        figures: dict[str, float | int | bool] = {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "reused_prompt_tokens": self.reused_prompt_tokens,
            "ttft_s": round(self.ttft_s, 4),
            "wall_s": round(self.wall_s, 4),
            "tokens_per_s": round(self.tokens_per_s, 2),
        }
        if self.estimated:  # only then: the in-process engine's JSON stays as it was
            figures["counts_estimated"] = True
        return figures


@dataclass(frozen=True)
class TokenText:
    """New text for sequence ``seq`` (may be empty while a multi-byte character is incomplete)."""

    seq: int
    text: str


@dataclass(frozen=True)
class SequenceDone:
    seq: int
    text: str
    finish_reason: str  # "stop" (end of turn), "length" (max tokens), "context" (context full), "cancelled"
    timings: Timings


GenerationEvent = TokenText | SequenceDone
