"""The llama.cpp engine: one model, several answers decoded together, each column streaming as it goes.

How the columns share the CPU depends on the thread count. Where reading the weights from memory is what a token
costs, the tokens of two or four sequences in one ``llama_decode`` call cost little more than one, so the columns
are sequences of one batched context. With two threads, a small model's token costs arithmetic instead: on a 2-core
machine one batch of two tokens took 2.4x one token, while two contexts of one thread each, decoding at the same
time, took half that batch (``make bench``: ``decode_two_batched_s``, ``decode_two_app_layout_s``; one thread
decodes at 0.8x the speed of two, so two of them nearly double the throughput). So with two threads each column
has a context of its own, and when every column only decodes a token, the contexts decode at the same time, one
thread each, the second on a helper thread (llama.cpp releases the GIL). A helper never runs a decode of more than
one thread, which keeps clear of the OpenMP slowdown seen when several long-lived threads run multi-threaded
decodes (the research notes, section 1.3). A prompt chunk is read by one context at a time with every thread:
prompt reading scales with threads.

A LoRA adapter (a fine-tuned model) belongs to a context in llama.cpp, not to a sequence: the fine-tuned columns
run on contexts of their own over the same model weights (mmap-shared, not a second copy) with the adapter set on
them. The base and the fine-tuned contexts are "lanes" of one decode loop, which makes a ``llama_decode`` call per
context with work per step, so all four columns stream together. The base lane is created with the model; the
adapter lane with the adapter, and it goes (with its KV memory) when the adapter is unloaded.

A context is never used by two callers at once (llama.cpp crashes the process if it is): ``generate`` holds a lock
for its whole stream, and every llama.cpp computation runs on the engine's own decode thread (see decode_thread),
or, for the columns' concurrent decodes, on its helpers while the decode thread waits for them.
"""

from __future__ import annotations

import codecs
import ctypes
import queue
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from crossroads.cancel import NEVER, CancelToken
from crossroads.engine import llama_log
from crossroads.engine.chat_template import ChatTemplate, Message
from crossroads.engine.decode_thread import DecodeThread
from crossroads.engine.events import GenerationEvent, SamplingParams, SequenceDone, Timings, TokenText
from crossroads.errors import ModelError

_BATCH = 512  # tokens per llama_decode call: the prompt-evaluation chunk
# Prompt tokens per step while another column streams (after its head start, below). Small steps kept that
# column fluid but read the prompt slowly: with 64 both answers together took 1.12x one after the other, with 256
# 0.95x (bench_generation, Qwen 0.5B, 2 threads), so the long prompt is read in big steps.
_PREFILL_WHILE_STREAMING = 256
# For its first steps a streaming column decodes alone: a short answer (the model-only column's usual case) then
# appears at the model's full speed instead of crawling beside a long prompt being read, and its tokens/s figure
# is the model's, not the scheduler's. Prompt reading is compute-bound, so it loses only those few steps.
_DECODE_HEAD_START = 48
# Up to this many threads each column gets a context of its own (see the module docstring); above it, measured on
# no machine here, the columns stay sequences of one batched context.
_COLUMN_CONTEXTS_MAX_THREADS = 2


@dataclass(eq=False)  # one context is itself: compared by identity, never field by field
class _Context:
    """One llama context over the shared model, its batch, and what each of its sequences holds in the KV cache."""

    ctx: object
    batch: object
    kv_tokens: list[list[int]]
    threads: int  # what the context decodes with now (set per step: every thread, or one beside another context)


# A sequence in this step's batch: where its logits are (None: a prompt chunk with more to come), the tokens fed.
_Output = tuple["_Sequence", int | None, list[int]]


@dataclass
class _Lane:
    """The contexts of one set of weights (the base model, or the fine-tuned one): one batched context for all
    columns, or one context per column (``per_column``)."""

    name: str
    per_column: bool
    contexts: list[_Context] = field(default_factory=list)

    @property
    def slots(self) -> list[tuple[_Context, int]]:
        """(context, sequence id) of each column, in order."""
        return [(c, seq_id) for c in self.contexts for seq_id in range(len(c.kv_tokens))]

    @property
    def sequences(self) -> int:
        return sum(len(c.kv_tokens) for c in self.contexts)


@dataclass
class _Sequence:
    index: int  # the caller's prompt number, used in events
    lane: _Lane
    context: _Context
    seq_id: int  # the sequence number inside its context
    pending: list[int]  # prompt tokens still to evaluate
    position: int  # next position in this sequence
    prompt_tokens: int
    reused: int
    sampler: object
    decoder: codecs.IncrementalDecoder = field(default_factory=lambda: codecs.getincrementaldecoder("utf-8")("replace"))
    in_kv: list[int] = field(default_factory=list)
    last_token: int | None = None
    completion: int = 0
    text: list[str] = field(default_factory=list)
    first_token_at: float | None = None
    waited_s: float = 0.0  # after its first token, time spent on other contexts' work (not this answer's speed)
    finished: SequenceDone | None = None


class LlamaEngine:
    """A loaded GGUF model ready to answer, with timings for every answer."""

    def __init__(
        self,
        model_path: Path,
        *,
        context_size: int = 4096,
        threads: int = 2,
        max_sequences: int = 2,
        flash_attention: bool = True,
        display_name: str | None = None,
        column_contexts: bool | None = None,
    ) -> None:
        """``column_contexts``: one context per column (True) or one batched context (False); None chooses by the
        thread count (see the module docstring)."""
        from crossroads.models.gguf_info import read_gguf_info
        from crossroads.models.memory import check_fits

        llama_log.silence()
        import llama_cpp
        from llama_cpp import _internals

        from crossroads.engine import ggml_backends

        ggml_backends.ensure_loaded()  # a baseline build (backends as modules) picks the CPU's best kernels here

        self.path = Path(model_path)
        self._display_name = display_name
        self.info = read_gguf_info(self.path)
        trained = self.info.context_length or context_size
        self.context_size = max(256, min(context_size, trained))
        self.threads = max(1, threads)
        self.flash_attention = flash_attention
        check_fits(self.info, self.context_size, max_sequences)

        params = llama_cpp.llama_model_default_params()
        params.n_gpu_layers = 0
        params.use_mmap = True
        self._decoder = DecodeThread()
        self._model = None
        per_column = 2 <= self.threads <= _COLUMN_CONTEXTS_MAX_THREADS if column_contexts is None else column_contexts
        self._base = _Lane("base", per_column)
        self._tuned = _Lane("adapter", per_column)  # exists only while an adapter (or fine-tuned model) is loaded
        # Threads that decode a context beside the decode thread's, one llama thread each (see the docstring).
        self._helpers = [DecodeThread(f"crossroads-llama-{n}") for n in range(2, self.threads + 1)] if per_column \
            else []
        self._adapter: object | None = None  # the llama_adapter_lora pointer; valid while the model lives
        self._tuned_model: object | None = None  # a whole fine-tuned GGUF answering the fine-tuned modes instead
        self._tuned_info = self.info  # that model's header facts, while it is loaded
        self._adapter_path: Path | None = None
        self._lock = threading.Lock()  # one generation at a time, and no close in the middle of one
        self._model_lock = threading.Lock()  # the model is not freed while another thread tokenises with it
        try:
            # verbose=True only means "don't redirect stdout/stderr"; our log callback keeps llama.cpp quiet.
            self._model = self._decoder.call(
                lambda: _internals.LlamaModel(path_model=str(self.path), params=params, verbose=True)
            )
        except ValueError as exc:
            self._stop_threads()
            raise ModelError(
                f"{self.path.name} could not be loaded by llama.cpp. The file may be damaged, or made for a "
                "newer llama.cpp than this version of Crossroads supports."
            ) from exc
        except BaseException:
            self._stop_threads()
            raise
        try:
            self._llama_cpp = llama_cpp
            self._vocab = self._model.vocab
            self.template = ChatTemplate(
                self.info.chat_template,
                bos_token=self._token_text(self._model.token_bos()),
                eos_token=self._token_text(self._model.token_eos()),
                special_tokens=self._control_token_texts(),
                model_name=self.name,
            )
            self._decoder.call(lambda: self._ensure_lane(self._base, max_sequences))
        except BaseException:  # a failed load frees what it took: the model's memory and the decode thread
            self._decoder.call(self._free)
            self._stop_threads()
            raise

    # -- model facts -------------------------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self._display_name or self.info.name or self.path.stem

    @property
    def column_contexts(self) -> bool:
        """Whether each column has a context of its own (decoding at the same time), not one batched context."""
        return self._base.per_column

    @property
    def location(self) -> str:
        """Where questions go: this model file, read in this process (nothing leaves the computer)."""
        return str(self.path)

    def _token_text(self, token: int) -> str:
        if token < 0:
            return ""
        raw = self._llama_cpp.llama_vocab_get_text(self._vocab, token)
        return raw.decode("utf-8", "replace") if raw else ""

    def _control_token_texts(self) -> list[str]:
        lc = self._llama_cpp
        wanted = lc.LLAMA_TOKEN_ATTR_CONTROL | lc.LLAMA_TOKEN_ATTR_USER_DEFINED
        texts = []
        for token in range(self._model.n_vocab()):
            if lc.llama_vocab_get_attr(self._vocab, token) & wanted:
                texts.append(self._token_text(token))
        return texts

    def tokenize(self, text: str, *, special: bool = False, add_bos: bool = False) -> list[int]:
        with self._model_lock:
            if self._model is None:
                raise ModelError("The model has been closed. Load it again to continue.")
            return self._model.tokenize(text.encode("utf-8"), add_bos=add_bos, special=special)

    def count_tokens(self, text: str) -> int:
        return len(self.tokenize(text))

    def prompt_tokens(self, messages: Sequence[Message]) -> list[int]:
        """The exact tokens a chat sends: the template's control tokens are real, the content's are not.

        Content is neutralised (see ChatTemplate.neutralise) before rendering, so tokenising the rendered prompt
        with ``special=True`` only turns the template's own markers into control tokens.
        """
        safe = [Message(m.role, self.template.neutralise(m.content)) for m in messages]
        rendered = self.template.render(safe)
        with self._model_lock:
            if self._model is None:
                raise ModelError("The model has been closed. Load it again to continue.")
            add_bos = self._model.add_bos_token() and not self.template.starts_with_bos(rendered)
            return self._model.tokenize(rendered.encode("utf-8"), add_bos=add_bos, special=True)

    # -- context -----------------------------------------------------------------------------------------------

    def _ensure_lane(self, lane: _Lane, sequences: int) -> None:
        if lane.contexts and sequences <= lane.sequences:
            return
        model = self._model
        if lane is self._tuned:  # a second KV cache: check it fits beside the base one before allocating it
            from crossroads.models.memory import check_fits

            if self._tuned_model is not None:
                model = self._tuned_model
                check_fits(self._tuned_info, self.context_size, sequences)  # a second set of weights, too
            else:
                check_fits(self.info, self.context_size, self._base.sequences + sequences)
        if lane.per_column:  # the columns there keep their contexts (and what their caches hold)
            while len(lane.contexts) < sequences:
                lane.contexts.append(self._new_context(lane, model, 1))
            return
        self._close_lane(lane)
        lane.contexts.append(self._new_context(lane, model, sequences))

    def _new_context(self, lane: _Lane, model: object, sequences: int) -> _Context:
        lc = self._llama_cpp
        from llama_cpp import _internals

        params = lc.llama_context_default_params()
        params.n_ctx = self.context_size * sequences
        params.n_batch = _BATCH
        params.n_ubatch = _BATCH
        params.n_seq_max = sequences
        params.kv_unified = True  # one pool of KV cells shared by the sequences: no per-sequence split
        params.n_threads = self.threads
        params.n_threads_batch = self.threads
        params.flash_attn_type = (
            lc.LLAMA_FLASH_ATTN_TYPE_ENABLED if self.flash_attention else lc.LLAMA_FLASH_ATTN_TYPE_DISABLED
        )
        params.no_perf = True
        try:
            ctx = _internals.LlamaContext(model=model, params=params, verbose=True)
        except ValueError as exc:
            raise ModelError(
                f"There is not enough memory for a {self.context_size}-token context with {self.name}. "
                "Choose a smaller context size in the settings."
            ) from exc
        context = _Context(ctx, lc.llama_batch_init(_BATCH, 0, sequences), [[] for _ in range(sequences)],
                           self.threads)
        if lane is self._tuned and self._adapter is not None:
            try:
                self._set_context_adapter(context, self._adapter)
            except BaseException:
                self._close_context(context)
                raise
        return context

    def _close_context(self, context: _Context) -> None:
        self._llama_cpp.llama_batch_free(context.batch)
        context.ctx.close()  # type: ignore[attr-defined]

    def _close_lane(self, lane: _Lane) -> None:
        for context in lane.contexts:
            self._close_context(context)
        lane.contexts = []

    def _stop_threads(self) -> None:
        self._decoder.stop()
        for helper in self._helpers:
            helper.stop()

    def _free(self) -> None:
        self._close_lane(self._tuned)
        self._close_lane(self._base)
        self._free_adapter()
        self._free_tuned_model()
        with self._model_lock:
            if self._model is not None:
                self._model.close()
                self._model = None

    def close(self) -> None:
        with self._lock:
            if not self._base.contexts and self._model is None:
                return
            self._decoder.call(self._free)
            self._stop_threads()

    def clear_cache(self) -> None:
        """Forget the prompts kept in the KV caches, so the next answer evaluates its whole prompt (benchmarks)."""
        with self._lock:
            self._decoder.call(lambda: [self._clear_lane(lane) for lane in (self._base, self._tuned)])

    def _clear_lane(self, lane: _Lane) -> None:
        for context in lane.contexts:
            self._llama_cpp.llama_memory_clear(self._llama_cpp.llama_get_memory(context.ctx.ctx), True)  # type: ignore[attr-defined]
            context.kv_tokens = [[] for _ in context.kv_tokens]

    # -- adapter (the fine-tuned model) ------------------------------------------------------------------------

    @property
    def adapter_path(self) -> Path | None:
        """The LoRA adapter the fine-tuned modes use, or None."""
        return self._adapter_path

    @property
    def finetuned(self) -> str | None:
        """The adapter's (or fine-tuned model's) file, as reports record it."""
        return str(self._adapter_path) if self._adapter_path is not None else None

    @property
    def finetuned_kind(self) -> str | None:
        """"adapter" (a LoRA over the loaded weights), "model" (a whole fine-tuned GGUF) or None."""
        if self._adapter_path is None:
            return None
        return "model" if self._tuned_model is not None else "adapter"

    @property
    def adapter_name(self) -> str | None:
        """The file's name, or its folder's for an adapter kept by ``crossroads finetune`` (``NAME/adapter.gguf``)."""
        path = self._adapter_path
        if path is None:
            return None
        return path.parent.name if path.name == "adapter.gguf" else path.stem

    def load_adapter(self, path: Path) -> None:
        """Apply a GGUF LoRA adapter to the fine-tuned lane, replacing the one loaded; the base answers are untouched.

        A file that is not a LoRA adapter for this model raises ModelError and leaves the previous adapter in place.
        """
        from crossroads.engine.adapter import check_adapter_file, refused_message

        path = Path(path)
        with self._lock:
            if self._model is None:
                raise ModelError("The model has been closed. Load it again to continue.")
            check_adapter_file(path, self.info.architecture, self.name)

            def load() -> None:
                with llama_log.capture_errors() as errors:
                    adapter = self._llama_cpp.llama_adapter_lora_init(self._model.model, str(path).encode("utf-8"))
                if not adapter:
                    raise ModelError(refused_message(path, self.name, errors))
                if self._tuned_model is not None:  # a whole fine-tuned model gives way: the adapter uses the base
                    self._close_lane(self._tuned)
                    self._free_tuned_model()
                old = self._adapter
                try:
                    if not self._tuned.contexts:  # made now, as many sequences as the base: no rebuild mid-question
                        self._adapter = adapter
                        self._ensure_lane(self._tuned, self._base.sequences)
                    else:
                        self._set_lane_adapter(adapter)
                        self._clear_lane(self._tuned)  # its KV was computed under the old adapter
                except BaseException:
                    if self._tuned.contexts and old is not None:
                        self._set_lane_adapter(old)
                    else:
                        self._close_lane(self._tuned)
                    self._adapter = old
                    self._llama_cpp.llama_adapter_lora_free(adapter)
                    raise
                self._adapter = adapter
                if old is not None:
                    self._llama_cpp.llama_adapter_lora_free(old)

            self._decoder.call(load)
            self._adapter_path = path

    def unload_adapter(self) -> None:
        """Drop the adapter and the fine-tuned lane's context (its memory goes back)."""
        with self._lock:
            if self._model is None:
                return

            def unload() -> None:
                self._close_lane(self._tuned)
                self._free_adapter()
                self._free_tuned_model()

            self._decoder.call(unload)
            self._adapter_path = None

    def _set_lane_adapter(self, adapter: object) -> None:
        for context in self._tuned.contexts:
            self._set_context_adapter(context, adapter)

    def _set_context_adapter(self, context: _Context, adapter: object) -> None:
        lc = self._llama_cpp
        adapters = (lc.llama_adapter_lora_p_ctypes * 1)(adapter)
        scales = (ctypes.c_float * 1)(1.0)
        status = lc.llama_set_adapters_lora(context.ctx.ctx, adapters, 1, scales)  # type: ignore[attr-defined]
        if status != 0:
            raise ModelError(f"llama.cpp could not apply the adapter to {self.name} (status {status}).")

    def load_finetuned_model(self, path: Path) -> None:
        """Answer the fine-tuned modes with a whole fine-tuned GGUF (made elsewhere, e.g. on a GPU box).

        It must share the loaded model's vocabulary - the prompts are tokenised once, for both models - which any
        fine-tune of the same base model does. Its weights are a second memory-mapped model with its own context;
        the base answers are untouched. A refused file leaves the previous fine-tuned adapter or model in place.
        """
        from crossroads.engine.adapter import check_finetuned_model_file

        path = Path(path)
        with self._lock:
            if self._model is None:
                raise ModelError("The model has been closed. Load it again to continue.")
            info = check_finetuned_model_file(path, self.path, self.info.architecture, self.name)

            def load() -> None:
                from llama_cpp import _internals

                params = self._llama_cpp.llama_model_default_params()
                params.n_gpu_layers = 0
                params.use_mmap = True
                try:
                    model = _internals.LlamaModel(path_model=str(path), params=params, verbose=True)
                except ValueError as exc:
                    raise ModelError(f"{path.name} could not be loaded by llama.cpp. The file may be damaged.") from exc
                if not self._same_vocabulary(model):
                    model.close()
                    raise ModelError(
                        f"{path.name} has another vocabulary than {self.name}, so it is not a fine-tune of it. "
                        "Load the model it was fine-tuned from first."
                    )
                self._close_lane(self._tuned)
                self._free_adapter()
                self._free_tuned_model()
                self._tuned_model, self._tuned_info = model, info
                try:
                    self._ensure_lane(self._tuned, self._base.sequences)
                except BaseException:
                    self._free_tuned_model()
                    self._adapter_path = None
                    raise

            self._decoder.call(load)
            self._adapter_path = path

    def _same_vocabulary(self, other: object) -> bool:
        lc = self._llama_cpp
        theirs = other.vocab  # type: ignore[attr-defined]
        count = self._model.n_vocab()
        if other.n_vocab() != count:  # type: ignore[attr-defined]
            return False
        return all(lc.llama_vocab_get_text(self._vocab, t) == lc.llama_vocab_get_text(theirs, t) for t in range(count))

    def _free_tuned_model(self) -> None:
        if self._tuned_model is not None:
            self._tuned_model.close()  # type: ignore[attr-defined]
            self._tuned_model = None

    def _free_adapter(self) -> None:
        if self._adapter is not None:
            self._llama_cpp.llama_adapter_lora_free(self._adapter)
            self._adapter = None

    # -- generation --------------------------------------------------------------------------------------------

    def _new_sampler(self, params: SamplingParams) -> object:
        from llama_cpp import _internals

        sampler = _internals.LlamaSampler()
        if params.ignore_eos:
            eog = [t for t in (self._model.token_eos(), self._model.token_eot()) if t >= 0]
            sampler.add_logit_bias(self._model.n_vocab(), {t: float("-inf") for t in eog})
        if params.repeat_penalty != 1.0:
            sampler.add_penalties(self._model.n_vocab(), 64, params.repeat_penalty, 0.0, 0.0)
        if params.temperature <= 0:
            sampler.add_greedy()
        else:
            sampler.add_top_k(params.top_k)
            sampler.add_top_p(params.top_p, 1)
            sampler.add_min_p(params.min_p, 1)
            sampler.add_temp(params.temperature)
            sampler.add_dist(params.seed)
        return sampler

    def generate(
        self,
        prompts: Sequence[Sequence[Message]],
        params: SamplingParams = SamplingParams(),
        cancel: CancelToken = NEVER,
        *,
        with_adapter: Sequence[bool] | None = None,
    ) -> Iterator[GenerationEvent]:
        """Answer several chats at once, streaming their tokens interleaved as they are decoded.

        Yields ``TokenText`` for each new piece of text and one ``SequenceDone`` per prompt. ``with_adapter`` says,
        per prompt, whether it is answered by the fine-tuned model (the loaded adapter); the default is none.
        Prompt tokens already in a sequence's KV cache from the previous call (the shared system message, an
        unchanged context) are not evaluated again.
        """
        flags = list(with_adapter) if with_adapter is not None else [False] * len(prompts)
        if len(flags) != len(prompts):
            raise ValueError("with_adapter needs one flag per prompt")
        events: queue.SimpleQueue[object] = queue.SimpleQueue()
        abandoned = threading.Event()  # the caller stopped listening: stop decoding too
        done = object()

        def run() -> None:
            try:
                # Tokenised here, on the decode thread under the engine lock: a close cannot free the model
                # in the middle of it.
                token_lists = [self.prompt_tokens(p) for p in prompts]
                for event in self._generate_locked(token_lists, flags, params, _Either(cancel, abandoned)):
                    events.put(event)
            finally:
                events.put(done)

        with self._lock:
            if self._model is None:
                raise ModelError("The model has been closed. Load it again to continue.")
            if any(flags) and self._adapter is None and self._tuned_model is None:
                raise ModelError("No fine-tuned adapter is loaded. Load one to answer with the fine-tuned model.")
            future = self._decoder.submit(run)
            try:
                while (event := events.get()) is not done:
                    yield event  # type: ignore[misc]
            finally:
                abandoned.set()
                future.result()  # waits for the decode to stop; re-raises its error, if any

    def _generate_locked(
        self, token_lists: list[list[int]], flags: list[bool], params: SamplingParams, cancel: CancelToken
    ) -> Iterator[GenerationEvent]:
        lc = self._llama_cpp
        for tokens in token_lists:
            if len(tokens) + 1 >= self.context_size:
                raise ModelError(
                    f"The prompt is {len(tokens)} tokens long but the model's context holds {self.context_size}. "
                    "Use fewer or shorter sources, or a larger context size."
                )
        start = time.perf_counter()
        seqs: list[_Sequence] = []
        for lane, use in ((self._base, False), (self._tuned, True)):
            indexes = [i for i, flag in enumerate(flags) if flag == use]
            if not indexes:
                continue  # an unused lane keeps its cache for the next question
            self._ensure_lane(lane, len(indexes))
            slots = lane.slots
            for (context, seq_id), index in zip(slots, indexes, strict=False):
                tokens = token_lists[index]
                reuse = _common_prefix(context.kv_tokens[seq_id], tokens)
                reuse = min(reuse, len(tokens) - 1)  # the last prompt token is always evaluated: it gives the logits
                lc.llama_memory_seq_rm(lc.llama_get_memory(context.ctx.ctx), seq_id, reuse, -1)  # type: ignore[attr-defined]
                seqs.append(
                    _Sequence(
                        index=index,
                        lane=lane,
                        context=context,
                        seq_id=seq_id,
                        pending=tokens[reuse:],
                        position=reuse,
                        prompt_tokens=len(tokens),
                        reused=reuse,
                        sampler=self._new_sampler(params),
                        in_kv=tokens[:reuse],
                    )
                )
            for context, seq_id in slots[len(indexes):]:
                if len(context.kv_tokens) > 1:  # a batched context's cells are shared: free the unused ones
                    lc.llama_memory_seq_rm(lc.llama_get_memory(context.ctx.ctx), seq_id, 0, -1)  # type: ignore[attr-defined]
                    context.kv_tokens[seq_id] = []

        try:
            yield from self._decode_loop(seqs, params, cancel, start)
        finally:
            for seq in seqs:
                seq.context.kv_tokens[seq.seq_id] = seq.in_kv
                seq.sampler.close()  # type: ignore[attr-defined]

    def _decode_loop(
        self, seqs: list[_Sequence], params: SamplingParams, cancel: CancelToken, start: float
    ) -> Iterator[GenerationEvent]:
        """One step = one ``llama_decode`` per context with work, so every column streams."""
        contexts: list[_Context] = []
        for seq in seqs:  # the base lane's first, as the columns are numbered
            if seq.context not in contexts:
                contexts.append(seq.context)
        steps = 0
        while True:
            steps += 1
            active = [s for s in seqs if s.finished is None]
            if not active:
                return
            if cancel.cancelled:
                for seq in active:
                    yield self._finish(seq, "cancelled", start)
                return
            # A sequence that already streams, in any context, limits how much prompt the others may evaluate per
            # step, so its tokens keep flowing while a long RAG prompt is read.
            streaming = any(s.last_token is not None for s in active)
            work: list[tuple[_Context, list[_Sequence], list[_Output]]] = []
            for context in contexts:
                members = [s for s in active if s.context is context]
                if members:
                    streaming, outputs = self._fill(context, members, streaming, steps)
                    if context.batch.n_tokens:  # type: ignore[attr-defined]  # else: its prompts wait their turn
                        work.append((context, members, outputs))
            statuses: list[int | None]
            if self._together([context for context, _, _ in work]):
                statuses = self._decode_together([context for context, _, _ in work])
            else:
                statuses = [None] * len(work)  # decoded one at a time, below
            for (context, members, outputs), status in zip(work, statuses, strict=True):
                if status is None:  # each answer's token shows before the next context's work is done
                    began = time.perf_counter()
                    status = self._decode(context, self.threads)
                    spent = time.perf_counter() - began
                    for seq in active:  # streaming answers of other contexts wait meanwhile
                        if seq.context is not context and seq.first_token_at is not None:
                            seq.waited_s += spent
                yield from self._collect(context, members, outputs, status, seqs, params, start)

    def _fill(
        self, context: _Context, active: list[_Sequence], streaming: bool, steps: int
    ) -> tuple[bool, list[_Output]]:
        """Put this step's tokens of ``context`` in its batch; returns whether a sequence streams after it (limits
        the next context) and the sequences that get a token from it."""
        batch = context.batch
        batch.n_tokens = 0  # type: ignore[attr-defined]
        outputs: list[_Output] = []
        for seq in active:
            if seq.last_token is not None:
                outputs.append((seq, _add(batch, seq.last_token, seq.position, seq.seq_id, True), [seq.last_token]))
                seq.position += 1
        budget = _BATCH - len(outputs)
        for seq in sorted((s for s in active if s.pending), key=lambda s: len(s.pending)):
            if budget <= 0:
                break
            limit = budget
            if streaming:
                limit = _PREFILL_WHILE_STREAMING
                head_start = 0 if seq.lane.per_column else _DECODE_HEAD_START
                if steps <= head_start and len(seq.pending) > _PREFILL_WHILE_STREAMING:
                    limit = 0  # a long prompt waits while the head start lasts; a short one costs nothing
            take = min(len(seq.pending), budget, limit)
            if take == 0:
                continue
            part, seq.pending = seq.pending[:take], seq.pending[take:]
            for offset, token in enumerate(part):
                last = not seq.pending and offset == take - 1
                index = _add(batch, token, seq.position, seq.seq_id, last)
                seq.position += 1
            if not seq.pending:
                outputs.append((seq, index, part))
                streaming = True
            else:
                outputs.append((seq, None, part))  # a prompt chunk: in the cache once decoded, nothing to sample
            budget -= take
        return streaming, outputs

    def _together(self, contexts: list[_Context]) -> bool:
        """Whether this step's contexts decode at the same time: each has one token (a column streaming) and there
        are helper threads. A prompt chunk is read alone, with every thread: prompt reading scales with them."""
        return bool(self._helpers) and len(contexts) > 1 and all(
            c.batch.n_tokens == 1 for c in contexts  # type: ignore[attr-defined]
        )

    def _decode(self, context: _Context, threads: int) -> int:
        lc = self._llama_cpp
        if context.threads != threads:
            lc.llama_set_n_threads(context.ctx.ctx, threads, threads)  # type: ignore[attr-defined]
            context.threads = threads
        return int(lc.llama_decode(context.ctx.ctx, context.batch))  # type: ignore[attr-defined]

    def _decode_together(self, contexts: list[_Context]) -> list[int | None]:
        """One thread per context, the decode thread taking the first share and each helper another."""
        workers = len(self._helpers) + 1
        groups = [contexts[i::workers] for i in range(workers)]
        pending = [(helper.submit(lambda group=group: [self._decode(c, 1) for c in group]), group)
                   for helper, group in zip(self._helpers, groups[1:], strict=False) if group]
        statuses: dict[int, int | None] = {}
        try:
            statuses.update(zip(map(id, groups[0]), [self._decode(c, 1) for c in groups[0]], strict=True))
        finally:  # the helpers' decodes end before any context is touched again
            for future, group in pending:
                statuses.update(zip(map(id, group), future.result(), strict=True))
        return [statuses[id(c)] for c in contexts]

    def _collect(
        self,
        context: _Context,
        active: list[_Sequence],
        outputs: list[_Output],
        status: int,
        seqs: list[_Sequence],
        params: SamplingParams,
        start: float,
    ) -> Iterator[GenerationEvent]:
        """Sample the next token of each sequence ``context`` decoded this step, or end its answers if it failed."""
        lc = self._llama_cpp
        ctx = context.ctx.ctx  # type: ignore[attr-defined]
        if status != 0:
            # 1: no room left in the KV cache; anything else is an internal failure. Either way the context's cache
            # state is unknown: forget it, and end its answers cleanly with what they have.
            memory = lc.llama_get_memory(ctx)
            for seq in seqs:
                if seq.context is context:
                    lc.llama_memory_seq_rm(memory, seq.seq_id, 0, -1)
                    seq.in_kv = []
            for seq in active:
                yield self._finish(seq, "context" if status == 1 else "error", start)
            return
        now = time.perf_counter()
        for seq, index, fed in outputs:
            seq.in_kv.extend(fed)
            if index is None:
                continue
            token = lc.llama_sampler_sample(seq.sampler.sampler, ctx, index)  # type: ignore[attr-defined]
            if seq.first_token_at is None:
                seq.first_token_at = now
            if lc.llama_vocab_is_eog(self._vocab, token) and not params.ignore_eos:
                yield self._finish(seq, "stop", start)
                continue
            seq.completion += 1
            seq.last_token = token
            piece = seq.decoder.decode(self._piece(token))
            if piece:
                seq.text.append(piece)
                yield TokenText(seq.index, piece)
            if seq.completion >= params.max_tokens:
                yield self._finish(seq, "length", start)
            elif seq.position + 1 >= self.context_size:
                yield self._finish(seq, "context", start)

    def _piece(self, token: int) -> bytes:
        buffer = ctypes.create_string_buffer(64)
        n = self._llama_cpp.llama_token_to_piece(self._vocab, token, buffer, 64, 0, False)
        if n < 0:
            buffer = ctypes.create_string_buffer(-n)
            n = self._llama_cpp.llama_token_to_piece(self._vocab, token, buffer, -n, 0, False)
        return buffer.raw[:n]

    def _finish(self, seq: _Sequence, reason: str, start: float) -> SequenceDone:
        now = time.perf_counter()
        tail = seq.decoder.decode(b"", final=True)
        if tail:
            seq.text.append(tail)
        first = seq.first_token_at if seq.first_token_at is not None else now
        generated_after_first = max(0, seq.completion - 1)
        span = now - first - seq.waited_s  # tokens/s is the model's speed for this answer, not the scheduler's
        timings = Timings(
            prompt_tokens=seq.prompt_tokens,
            completion_tokens=seq.completion,
            reused_prompt_tokens=seq.reused,
            ttft_s=first - start,
            wall_s=now - start,
            tokens_per_s=generated_after_first / span if span > 0 and generated_after_first else 0.0,
        )
        seq.finished = SequenceDone(seq.index, "".join(seq.text), reason, timings)
        return seq.finished


class _Either(CancelToken):
    """Cancelled when the user cancels or when the caller abandons the stream."""

    def __init__(self, user: CancelToken, abandoned: threading.Event) -> None:
        super().__init__()
        self._user = user
        self._abandoned = abandoned

    @property
    def cancelled(self) -> bool:
        return self._user.cancelled or self._abandoned.is_set()


def _common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = min(len(a), len(b))
    for i in range(n):
        if a[i] != b[i]:
            return i
    return n


def _add(batch: object, token: int, position: int, seq_id: int, logits: bool) -> int:
    """Append one token to a llama_batch; returns its index (where its logits will be)."""
    i = batch.n_tokens  # type: ignore[attr-defined]
    batch.token[i] = token  # type: ignore[attr-defined]
    batch.pos[i] = position  # type: ignore[attr-defined]
    batch.n_seq_id[i] = 1  # type: ignore[attr-defined]
    batch.seq_id[i][0] = seq_id  # type: ignore[attr-defined]
    batch.logits[i] = logits  # type: ignore[attr-defined]
    batch.n_tokens = i + 1  # type: ignore[attr-defined]
    return i
