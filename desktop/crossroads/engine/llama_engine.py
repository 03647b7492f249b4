"""The llama.cpp engine: one model, one context, several answers decoded together in one batch.

Why one batched context rather than one ``Llama`` per column: on a CPU, decoding a token is bound by reading the
weights from memory, so decoding the tokens of two or four sequences in the same ``llama_decode`` call costs little
more than one (the research notes measured this; ``make bench`` checks it). It also keeps one thread pool busy
instead of several competing ones, which sidesteps the OpenMP slowdown seen with several decoding threads.

A LoRA adapter (a fine-tuned model) belongs to a context in llama.cpp, not to a sequence: the fine-tuned columns
run on a second context over the same model weights (mmap-shared, not a second copy) with the adapter set on it.
Both contexts are "lanes" of one decode loop, which alternates a ``llama_decode`` call per lane per step, so all
four columns stream together. The base lane is created with the model; the adapter lane with the adapter, and it
goes (with its KV memory) when the adapter is unloaded.

A context is never used by two callers at once (llama.cpp crashes the process if it is): ``generate`` holds a lock
for its whole stream. Every llama.cpp computation runs on the engine's own decode thread (see decode_thread).
"""

from __future__ import annotations

import codecs
import ctypes
import queue
import threading
import time
from collections.abc import Generator, Iterator, Sequence
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


@dataclass
class _Lane:
    """One llama context over the shared model, its batch, and what each of its sequences holds in the KV cache."""

    name: str
    ctx: object | None = None
    batch: object | None = None
    sequences: int = 0
    kv_tokens: list[list[int]] = field(default_factory=list)


@dataclass
class _Sequence:
    index: int  # the caller's prompt number, used in events
    lane: _Lane
    seq_id: int  # the sequence number inside its lane's context
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
    ) -> None:
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
        self._base = _Lane("base")
        self._tuned = _Lane("adapter")  # its context exists only while an adapter (or fine-tuned model) is loaded
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
            self._decoder.stop()
            raise ModelError(
                f"{self.path.name} could not be loaded by llama.cpp. The file may be damaged, or made for a "
                "newer llama.cpp than this version of Crossroads supports."
            ) from exc
        except BaseException:
            self._decoder.stop()
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
            self._decoder.stop()
            raise

    # -- model facts -------------------------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self._display_name or self.info.name or self.path.stem

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
        if lane.ctx is not None and sequences <= lane.sequences:
            return
        lc = self._llama_cpp
        from llama_cpp import _internals

        model = self._model
        if lane is self._tuned:  # a second KV cache: check it fits beside the base one before allocating it
            from crossroads.models.memory import check_fits

            if self._tuned_model is not None:
                model = self._tuned_model
                check_fits(self._tuned_info, self.context_size, sequences)  # a second set of weights, too
            else:
                check_fits(self.info, self.context_size, self._base.sequences + sequences)
        self._close_lane(lane)
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
            lane.ctx = _internals.LlamaContext(model=model, params=params, verbose=True)
        except ValueError as exc:
            raise ModelError(
                f"There is not enough memory for a {self.context_size}-token context with {self.name}. "
                "Choose a smaller context size in the settings."
            ) from exc
        lane.batch = lc.llama_batch_init(_BATCH, 0, sequences)
        lane.sequences = sequences
        lane.kv_tokens = [[] for _ in range(sequences)]
        if lane is self._tuned and self._adapter is not None:
            self._set_lane_adapter(self._adapter)

    def _close_lane(self, lane: _Lane) -> None:
        if lane.batch is not None:
            self._llama_cpp.llama_batch_free(lane.batch)
            lane.batch = None
        if lane.ctx is not None:
            lane.ctx.close()  # type: ignore[attr-defined]
            lane.ctx = None
        lane.sequences = 0
        lane.kv_tokens = []

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
            if self._base.ctx is None and self._model is None:
                return
            self._decoder.call(self._free)
            self._decoder.stop()

    def clear_cache(self) -> None:
        """Forget the prompts kept in the KV caches, so the next answer evaluates its whole prompt (benchmarks)."""
        with self._lock:
            self._decoder.call(lambda: [self._clear_lane(lane) for lane in (self._base, self._tuned)])

    def _clear_lane(self, lane: _Lane) -> None:
        if lane.ctx is not None:
            self._llama_cpp.llama_memory_clear(self._llama_cpp.llama_get_memory(lane.ctx.ctx), True)  # type: ignore[attr-defined]
        lane.kv_tokens = [[] for _ in range(lane.sequences)]

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
                    if self._tuned.ctx is None:  # made now, as many sequences as the base: no rebuild mid-question
                        self._adapter = adapter
                        self._ensure_lane(self._tuned, self._base.sequences)
                    else:
                        self._set_lane_adapter(adapter)
                        self._clear_lane(self._tuned)  # its KV was computed under the old adapter
                except BaseException:
                    if self._tuned.ctx is not None and old is not None:
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
        lc = self._llama_cpp
        adapters = (lc.llama_adapter_lora_p_ctypes * 1)(adapter)
        scales = (ctypes.c_float * 1)(1.0)
        status = lc.llama_set_adapters_lora(self._tuned.ctx.ctx, adapters, 1, scales)  # type: ignore[attr-defined]
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
            memory = lc.llama_get_memory(lane.ctx.ctx)  # type: ignore[attr-defined]
            for seq_id, index in enumerate(indexes):
                tokens = token_lists[index]
                reuse = _common_prefix(lane.kv_tokens[seq_id], tokens)
                reuse = min(reuse, len(tokens) - 1)  # the last prompt token is always evaluated: it gives the logits
                lc.llama_memory_seq_rm(memory, seq_id, reuse, -1)
                seqs.append(
                    _Sequence(
                        index=index,
                        lane=lane,
                        seq_id=seq_id,
                        pending=tokens[reuse:],
                        position=reuse,
                        prompt_tokens=len(tokens),
                        reused=reuse,
                        sampler=self._new_sampler(params),
                        in_kv=tokens[:reuse],
                    )
                )
            for extra in range(len(indexes), lane.sequences):
                lc.llama_memory_seq_rm(memory, extra, 0, -1)
                lane.kv_tokens[extra] = []

        try:
            yield from self._decode_loop(seqs, params, cancel, start)
        finally:
            for seq in seqs:
                seq.lane.kv_tokens[seq.seq_id] = seq.in_kv
                seq.sampler.close()  # type: ignore[attr-defined]

    def _decode_loop(
        self, seqs: list[_Sequence], params: SamplingParams, cancel: CancelToken, start: float
    ) -> Iterator[GenerationEvent]:
        """One step = one ``llama_decode`` per lane with work; the lanes alternate, so every column streams."""
        lanes = [lane for lane in (self._base, self._tuned) if any(s.lane is lane for s in seqs)]
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
            # A sequence that already streams, in either lane, limits how much prompt the others may evaluate per
            # step, so its tokens keep flowing while a long RAG prompt is read.
            streaming = any(s.last_token is not None for s in active)
            for lane in lanes:
                lane_active = [s for s in active if s.lane is lane and s.finished is None]
                if lane_active:
                    streaming = yield from self._step(lane, lane_active, seqs, params, streaming, steps, start)

    def _step(
        self,
        lane: _Lane,
        active: list[_Sequence],
        seqs: list[_Sequence],
        params: SamplingParams,
        streaming: bool,
        steps: int,
        start: float,
    ) -> Generator[GenerationEvent, None, bool]:
        """Decode one batch in ``lane``; returns whether a sequence streams after it (limits the next lane)."""
        lc = self._llama_cpp
        ctx = lane.ctx.ctx  # type: ignore[attr-defined]
        batch = lane.batch
        batch.n_tokens = 0  # type: ignore[attr-defined]
        outputs: list[tuple[_Sequence, int, list[int]]] = []
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
                if steps <= _DECODE_HEAD_START and len(seq.pending) > _PREFILL_WHILE_STREAMING:
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
                seq.in_kv.extend(part)
            budget -= take
        if batch.n_tokens == 0:  # type: ignore[attr-defined]
            return streaming  # every prompt here waits for its head start
        status = lc.llama_decode(ctx, batch)
        if status != 0:
            # 1: no room left in the KV cache; anything else is an internal failure. Either way the lane's cache
            # state is unknown: forget it, and end its answers cleanly with what they have.
            memory = lc.llama_get_memory(ctx)
            for seq in seqs:
                if seq.lane is lane:
                    lc.llama_memory_seq_rm(memory, seq.seq_id, 0, -1)
                    seq.in_kv = []
            for seq in active:
                yield self._finish(seq, "context" if status == 1 else "error", start)
            return streaming
        now = time.perf_counter()
        for seq, index, fed in outputs:
            seq.in_kv.extend(fed)
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
        return streaming

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
        span = now - first
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
