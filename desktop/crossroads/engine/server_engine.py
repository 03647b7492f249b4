"""The model-server backend: the same answering surface as ``LlamaEngine``, served by an OpenAI-compatible server.

llama.cpp's server, vLLM, Ollama and LM Studio all speak ``/v1/chat/completions`` with ``stream: true``. Each
prompt is one streamed request; several columns are several concurrent requests, which such servers batch
(llama.cpp's ``--parallel``, vLLM always). Cancel closes the streams, which tells the server to stop.

Timings come from the stream: time to first token is measured here, from sending the request to the first piece
of text (so it includes the network and any queue on the server). Token counts come from the ``usage`` the server
sends when it honours ``stream_options.include_usage``; a server that does not (llama-cpp-python's) gets estimates,
flagged in ``Timings.estimated``: one token per streamed piece (servers send one piece per token) and, for the
prompt, the server's tokenizer over the messages plus a few tokens of template per message.

Token counts for prompt budgets use the server's tokenizer when it has one (llama.cpp's and vLLM's ``/tokenize``,
llama-cpp-python's ``/extras/tokenize``), else ``chars/4`` with a third more as margin (``estimate_tokens``).

Off by default: nothing imports this module unless the user names a server, and then ``location`` says where the
questions go. A LoRA adapter is the server's business: vLLM (``--lora-modules NAME=PATH``), Ollama (a Modelfile's
``ADAPTER``) and llama-cpp-python's server (a config file's ``lora_path``) each serve the base model with an adapter
under a model name of its own. Naming that model as ``finetuned_model`` gives the fine-tuned modes: their requests
go to it, the others to ``model``. Without one, the fine-tuned modes are refused with a message saying so.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from crossroads.cancel import NEVER, CancelToken
from crossroads.engine.chat_template import Message
from crossroads.engine.events import GenerationEvent, SamplingParams, SequenceDone, Timings, TokenText
from crossroads.engine.openai_http import Endpoint, HttpStatusError, Stream
from crossroads.errors import ModelError, ServerError

_TEMPLATE_TOKENS_PER_MESSAGE = 6  # role markers and separators a chat template adds around each message (margin)
_POLL_S = 0.05  # how often a waiting generate looks at the cancel token


def estimate_tokens(text: str) -> int:
    """A token count that errs high when no tokenizer is at hand: ~4 characters a token in English prose, plus a
    third (numbers, code, other languages cut finer). It only sizes prompts, so too many is the safe side."""
    return (len(text) + 2) // 3


def served_models(base_url: str, api_key: str | None = None) -> list[str]:
    """The model names a server lists, without choosing one: what a "Test connection" button shows."""
    return _served_models(Endpoint(base_url, api_key=api_key))


def _served_models(endpoint: Endpoint) -> list[str]:
    try:
        listing = endpoint.request_json("GET", "/models")
    except HttpStatusError as exc:
        if exc.status == 404:
            raise ServerError(
                f"{endpoint.base_url} has no model list (/models): is it an OpenAI-compatible base URL? "
                "It usually ends in /v1, such as http://127.0.0.1:8080/v1."
            ) from exc
        raise
    data = listing.get("data") if isinstance(listing, dict) else None
    if not isinstance(data, list):
        raise ServerError(f"The server at {endpoint.base_url} lists its models in a form Crossroads cannot read.")
    return [str(m["id"]) for m in data if isinstance(m, dict) and "id" in m]


@dataclass
class _Column:
    index: int
    stream: Stream | None = None
    thread: threading.Thread | None = None
    text: list[str] = field(default_factory=list)
    pieces: int = 0
    first_at: float | None = None
    last_at: float | None = None
    finish_reason: str | None = None
    usage: dict[str, Any] | None = None
    cached: int = 0
    prompt_estimate: int = 0
    done: bool = False


class ServerEngine:
    """A model on an OpenAI-compatible server, answering like ``LlamaEngine`` does (see engine.protocol)."""

    def __init__(
        self,
        base_url: str,
        model: str | None = None,
        *,
        context_size: int = 4096,
        api_key: str | None = None,
        finetuned_model: str | None = None,
    ) -> None:
        self._endpoint = Endpoint(base_url, api_key=api_key)
        self.base_url = self._endpoint.base_url
        served = self.served_models()
        if model is None:
            if len(served) != 1:
                choice = f"It serves: {', '.join(served)}." if served else "It lists no model."
                raise ServerError(
                    f"The server at {self.base_url} serves {len(served)} models; name one with --model. {choice}"
                )
            model = served[0]
        elif model not in served:
            raise ServerError(
                f"The server at {self.base_url} does not serve a model called '{model}'. "
                f"It serves: {', '.join(served) or 'none'}."
            )
        finetuned_model = (finetuned_model or "").strip() or None
        if finetuned_model is not None and finetuned_model not in served:
            raise ServerError(
                f"The server at {self.base_url} does not serve a fine-tuned model called '{finetuned_model}'. "
                f"It serves: {', '.join(served) or 'none'}."
            )
        if finetuned_model == model:
            raise ServerError(f"'{model}' cannot be both the model and its fine-tuned version: name the model the "
                              "server serves with the adapter applied.")
        self.model = model
        self.finetuned_model = finetuned_model
        self.context_size = min(context_size, self._server_context() or context_size)
        self._tokenizer: str | None = None  # "llama.cpp" (or vLLM), "llama-cpp-python", "estimate": found at first use
        self._closed = False
        self._count = lru_cache(maxsize=4096)(self._count_uncached)

    # -- what it is and where it is ------------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self.model

    @property
    def location(self) -> str:
        return f"{self.base_url} (model {self.model})"

    @property
    def adapter_path(self) -> Path | None:
        return None  # no file here: the adapter lives on the server

    @property
    def adapter_name(self) -> str | None:
        return self.finetuned_model

    @property
    def finetuned(self) -> str | None:
        return f"{self.base_url} (model {self.finetuned_model})" if self.finetuned_model else None

    def load_adapter(self, path: Path) -> None:
        raise ModelError(self._no_adapter_message())

    def unload_adapter(self) -> None:
        """Stop answering the fine-tuned modes; the server keeps serving the model, this app no longer asks it."""
        self.finetuned_model = None

    def _no_adapter_message(self) -> str:
        return (
            f"The fine-tuned modes need the model with its adapter, and {self.base_url} is a server: serve it there "
            "under a name of its own (vLLM --lora-modules, an Ollama Modelfile's ADAPTER, llama-cpp-python's "
            "lora_path) and name it as the fine-tuned model, or answer on this computer."
        )

    def served_models(self) -> list[str]:
        """The model names the server lists at ``/models``."""
        return _served_models(self._endpoint)

    def _server_context(self) -> int | None:
        """llama.cpp's server says its context per request in ``/props``; other servers do not say (None)."""
        try:
            props = self._endpoint.request_json("GET", "/props", root=True)
        except ServerError:
            return None
        settings = props.get("default_generation_settings") if isinstance(props, dict) else None
        n_ctx = settings.get("n_ctx") if isinstance(settings, dict) else None
        return int(n_ctx) if isinstance(n_ctx, int) and n_ctx > 0 else None

    # -- tokens --------------------------------------------------------------------------------------------------

    def count_tokens(self, text: str) -> int:
        self._check_open()
        return self._count(text)

    def _count_uncached(self, text: str) -> int:
        if self._tokenizer in (None, "llama.cpp"):
            try:
                # One body for both servers with /tokenize: llama.cpp reads content/add_special, vLLM
                # model/prompt/add_special_tokens; each ignores the other's fields.
                body = {"content": text, "add_special": False, "model": self.model, "prompt": text,
                        "add_special_tokens": False}
                reply = self._endpoint.request_json("POST", "/tokenize", body, root=True)
                self._tokenizer = "llama.cpp"
                return len(reply["tokens"])
            except (HttpStatusError, KeyError, TypeError):
                if self._tokenizer == "llama.cpp":
                    raise
        if self._tokenizer in (None, "llama-cpp-python"):
            try:
                reply = self._endpoint.request_json("POST", "/extras/tokenize", {"input": text, "model": self.model},
                                                    root=True)
                self._tokenizer = "llama-cpp-python"
                return len(reply["tokens"])
            except (HttpStatusError, KeyError, TypeError):
                if self._tokenizer == "llama-cpp-python":
                    raise
        self._tokenizer = "estimate"
        return estimate_tokens(text)

    @property
    def exact_token_counts(self) -> bool:
        """Whether ``count_tokens`` asks the server's tokenizer (True) or estimates (False); known after one count."""
        return self._tokenizer not in (None, "estimate")

    def prompt_token_count(self, messages: Sequence[Message]) -> int:
        """The prompt's length as the server will see it, give or take its chat template's markers."""
        # One more template's worth for the assistant turn the template opens at the end.
        return sum(self.count_tokens(m.content) + _TEMPLATE_TOKENS_PER_MESSAGE for m in messages) + (
            _TEMPLATE_TOKENS_PER_MESSAGE
        )

    # -- lifecycle -----------------------------------------------------------------------------------------------

    def clear_cache(self) -> None:
        """A server keeps its own prompt cache and offers no standard way to clear it: nothing to do here."""

    def close(self) -> None:
        self._closed = True

    def _check_open(self) -> None:
        if self._closed:
            raise ModelError("The connection to the model server has been closed. Open it again to continue.")

    # -- answering -----------------------------------------------------------------------------------------------

    def _body(self, messages: Sequence[Message], params: SamplingParams, tuned: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.finetuned_model if tuned else self.model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "stream": True,
            "stream_options": {"include_usage": True},
            "max_tokens": params.max_tokens,
            "temperature": params.temperature,
            "top_p": params.top_p,
            "seed": params.seed,
            # Beyond OpenAI's fields, understood by llama.cpp's servers (and top_k/min_p by vLLM); set explicitly
            # because their defaults differ from ours (llama-cpp-python's repeat_penalty is 1.1).
            "top_k": params.top_k,
            "min_p": params.min_p,
            "repeat_penalty": params.repeat_penalty,
        }
        if params.ignore_eos:
            body["ignore_eos"] = True  # llama.cpp and vLLM: benchmarks generate exactly max_tokens
        return body

    def generate(
        self,
        prompts: Sequence[Sequence[Message]],
        params: SamplingParams = SamplingParams(),
        cancel: CancelToken = NEVER,
        *,
        with_adapter: Sequence[bool] | None = None,
    ) -> Iterator[GenerationEvent]:
        """Every prompt is its own streamed request, all sent at once; events come as the pieces arrive."""
        self._check_open()
        flags = list(with_adapter) if with_adapter is not None else [False] * len(prompts)
        if len(flags) != len(prompts):
            raise ValueError("with_adapter needs one flag per prompt")
        if any(flags) and self.finetuned_model is None:
            raise ModelError(self._no_adapter_message())
        estimates = [self.prompt_token_count(prompt) for prompt in prompts]
        for estimate in estimates:
            if estimate + 1 >= self.context_size:
                raise ModelError(
                    f"The prompt is about {estimate} tokens long but the context holds {self.context_size}. "
                    "Use fewer or shorter sources, or a larger context size."
                )
        return self._stream(prompts, flags, estimates, params, cancel)

    def _stream(
        self,
        prompts: Sequence[Sequence[Message]],
        flags: list[bool],
        estimates: list[int],
        params: SamplingParams,
        cancel: CancelToken,
    ) -> Iterator[GenerationEvent]:
        events: queue.SimpleQueue[tuple[str, int, Any]] = queue.SimpleQueue()
        columns = [_Column(i, prompt_estimate=e) for i, e in enumerate(estimates)]
        stopped = threading.Event()  # set before streams are closed: a request still connecting closes itself
        start = time.perf_counter()
        for column, prompt, tuned in zip(columns, prompts, flags, strict=True):
            column.thread = threading.Thread(
                target=self._read_column, args=(column, self._body(prompt, params, tuned), events, stopped),
                name=f"crossroads-server-{column.index}", daemon=True,
            )
            column.thread.start()
        try:
            while not all(c.done for c in columns):
                if cancel.cancelled:
                    stopped.set()
                    for column in columns:
                        if column.stream is not None:
                            column.stream.close()
                    for column in columns:
                        if not column.done:
                            column.finish_reason = "cancelled"
                            yield self._finish(column, start, time.perf_counter())
                    return
                try:
                    kind, index, value = events.get(timeout=_POLL_S)
                except queue.Empty:
                    continue
                column = columns[index]
                if column.done:
                    continue
                if kind == "error":
                    raise value
                if kind == "piece":
                    text, at = value
                    column.pieces += 1
                    column.last_at = at
                    if column.first_at is None:
                        column.first_at = at
                    if text:
                        column.text.append(text)
                        yield TokenText(index, text)
                elif kind == "end":
                    yield self._finish(column, start, value)
        finally:  # done, cancelled, failed or abandoned: no request outlives the call
            stopped.set()
            for column in columns:
                if column.stream is not None:
                    column.stream.close()
            for column in columns:
                if column.thread is not None:
                    column.thread.join(timeout=10)

    def _read_column(
        self, column: _Column, body: dict[str, Any], events: queue.SimpleQueue, stopped: threading.Event
    ) -> None:
        """One request, read on its own thread: pieces, finish reason and usage go to the caller's queue."""
        try:
            column.stream = self._endpoint.open_stream("/chat/completions", body)
            if stopped.is_set():  # cancelled while connecting: the caller may have missed this stream
                column.stream.close()
            for chunk in column.stream:
                now = time.perf_counter()
                usage = chunk.get("usage")
                if isinstance(usage, dict):
                    column.usage = usage
                timings = chunk.get("timings")  # llama.cpp's server: how much of the prompt came from its cache
                if isinstance(timings, dict) and isinstance(timings.get("cache_n"), int):
                    column.cached = timings["cache_n"]
                for choice in chunk.get("choices") or []:
                    delta = choice.get("delta") or {}
                    content = delta.get("content")
                    if isinstance(content, str) and content:
                        events.put(("piece", column.index, (content, now)))
                    if choice.get("finish_reason"):
                        column.finish_reason = str(choice["finish_reason"])
            events.put(("end", column.index, time.perf_counter()))
        except ServerError as exc:
            events.put(("error", column.index, exc))
        except Exception as exc:  # a bug or an unforeseen reply: surfaces in the caller's thread, not lost here
            events.put(("error", column.index, exc))

    def _finish(self, column: _Column, start: float, end: float) -> SequenceDone:
        column.done = True
        text = "".join(column.text)
        usage = column.usage or {}
        estimated = not all(isinstance(usage.get(k), int) for k in ("completion_tokens", "prompt_tokens"))
        if estimated:
            completion = column.pieces
            prompt = column.prompt_estimate
        else:
            completion = int(usage["completion_tokens"])
            prompt = int(usage["prompt_tokens"])
        first = column.first_at if column.first_at is not None else end
        last = column.last_at if column.last_at is not None else end
        span = last - first
        after_first = max(0, completion - 1)
        timings = Timings(
            prompt_tokens=prompt,
            completion_tokens=completion,
            reused_prompt_tokens=column.cached,
            ttft_s=first - start,
            wall_s=end - start,
            tokens_per_s=after_first / span if span > 0 and after_first else 0.0,
            estimated=estimated,
        )
        # Every complete OpenAI stream gives a finish reason before it ends: none means the answer was cut off.
        return SequenceDone(column.index, text, column.finish_reason or "error", timings)
