"""What the rest of Crossroads needs of a model backend, so compare, evaluate and the CLI run on either one.

Two backends satisfy it: ``LlamaEngine`` (llama.cpp in this process, the offline default) and ``ServerEngine``
(an OpenAI-compatible HTTP server: llama.cpp's server, vLLM, Ollama, LM Studio). Loading a model, its GGUF facts
and loading an adapter stay on ``LlamaEngine``; this is only the answering surface, and letting go of the
fine-tuned modes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from crossroads.cancel import NEVER, CancelToken
from crossroads.engine.chat_template import Message
from crossroads.engine.events import GenerationEvent, SamplingParams


@runtime_checkable
class Engine(Protocol):
    """A model that answers several chats at once as one stream of events (see engine.events)."""

    context_size: int  # tokens a prompt plus its answer may take: the budget the RAG prompt is built to

    @property
    def name(self) -> str:
        """The model's name as columns and reports show it."""
        ...

    @property
    def location(self) -> str:
        """Where questions go, said truthfully: a model file on this computer, or a server's URL and model."""
        ...

    @property
    def adapter_path(self) -> Path | None:
        """The LoRA adapter the fine-tuned modes use, or None (then those modes are refused)."""
        ...

    @property
    def adapter_name(self) -> str | None:
        """The fine-tuned model's name as the columns show it, or None."""
        ...

    @property
    def finetuned(self) -> str | None:
        """What answers the fine-tuned modes, as a report records it (the adapter's file, or the fine-tuned model a
        server serves); None: those modes are refused."""
        ...

    def unload_adapter(self) -> None:
        """Stop answering the fine-tuned modes (they are refused until the workspace gives them a model again)."""
        ...

    def count_tokens(self, text: str) -> int:
        """Tokens in ``text`` (exact, or an estimate erring high: it only sizes prompts to the budget)."""
        ...

    def generate(
        self,
        prompts: Sequence[Sequence[Message]],
        params: SamplingParams = SamplingParams(),
        cancel: CancelToken = NEVER,
        *,
        with_adapter: Sequence[bool] | None = None,
    ) -> Iterator[GenerationEvent]:
        """``TokenText`` pieces interleaved across prompts, then one ``SequenceDone`` per prompt."""
        ...

    def clear_cache(self) -> None:
        """Forget cached prompts so the next answer reads its whole prompt (benchmarks); may be a no-op."""
        ...

    def close(self) -> None: ...
