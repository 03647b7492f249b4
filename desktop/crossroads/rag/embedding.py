"""The embedder: a sentence-transformers model folder on disk, loaded offline on first use.

Two backends give the same vectors. ONNX Runtime (``onnx_embedding``; the graph exported locally from the folder on
first use and cached) is the default on CPUs without native bfloat16: it embedded passages faster than torch here
with cosine 1.0000 to sentence-transformers' float32 vectors, so knowledge bases built either way stay
interchangeable and record only the model, not the backend. When onnxruntime or the export is unavailable, the
reason is logged and sentence-transformers in float32 does the work, as before.

On CPUs with native bfloat16 (AVX512_BF16 or AMX), running under ``torch.autocast`` to bfloat16 was measured 2.6x
faster than float32 for MiniLM with the same cosines to 4 decimals, so it is the default there for indexing.
What is embedded while a question waits (the question, and the sentences focus weighs) goes through ONNX Runtime
even there: a handful of texts gains nothing from bf16, and loading torch's model first means importing
sentence-transformers, transformers and torch, which took 3.1 s of a 6.5 s first answer from the command line,
against 0.5 s for ONNX Runtime. Elsewhere float32.
Vectors are always returned as float32 and L2-normalised, so inner product is cosine similarity.
One lock per loaded model serialises every use of it and its tokenizer: the Hugging Face fast tokenizer is not
safe to share between threads (indexing while a question is embedded raised its "Already borrowed" error). Where
the question's encoder is the indexing one, a question asked while a folder is indexed waits for at most one batch.
Torch keeps its default threads (one for a single question, see ``encode_query``) and OpenMP's default
(spinning) wait policy: a process-wide passive policy would also
apply to llama.cpp's OpenMP threads, and it cost generation about 20 % when measured here.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from crossroads.cancel import NEVER, CancelToken
from crossroads.errors import ModelError
from crossroads.rag.onnx_embedding import OnnxEncoder, OnnxUnavailable

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)

_PRECISIONS = ("auto", "bf16", "fp32")
_BACKENDS = ("auto", "onnx", "torch")


class Embedder:
    """Turns passages and questions into vectors. Loads the model lazily and at most once."""

    def __init__(
        self,
        model_path: Path,
        *,
        precision: str = "auto",
        backend: str = "auto",
        threads: int = 0,
        cache_dir: Path | None = None,
    ) -> None:
        """``backend``: "auto" takes ONNX Runtime unless bfloat16 is chosen, falling back to torch; "onnx" and
        "torch" insist. ``threads`` (0: the machine's cores, at most 4) and ``cache_dir`` are for ONNX Runtime."""
        if precision not in _PRECISIONS:
            raise ValueError(f"precision must be one of {_PRECISIONS}")
        if backend not in _BACKENDS:
            raise ValueError(f"backend must be one of {_BACKENDS}")
        self.model_path = Path(model_path)
        self.name = self.model_path.name
        self._precision = precision
        self._backend = backend
        self._threads = threads
        self._cache_dir = cache_dir
        self._model: SentenceTransformer | OnnxEncoder | None = None  # what embeds passages
        self._tokenizer: Any = None
        self._bf16 = False
        self.fallback_reason = ""  # why ONNX Runtime is not used, when it is not
        self._lock = threading.RLock()  # loading (the passages' loader may load the ONNX encoder inside it)
        self._use = threading.Lock()  # every call into the model or its tokenizer
        self._onnx: OnnxEncoder | None = None  # loaded once, for questions and perhaps passages too
        self._onnx_tried = False
        self._onnx_use = threading.Lock()  # every call into the ONNX encoder (when it is not also ``_model``)

    # -- properties that need the model -------------------------------------------------------------------

    @property
    def backend(self) -> str:
        """What computes the vectors: "onnx", "torch-bf16" or "torch-fp32"."""
        model = self._load()
        if isinstance(model, OnnxEncoder):
            return "onnx"
        return "torch-bf16" if self._bf16 else "torch-fp32"

    @property
    def dim(self) -> int:
        model = self._either()
        dim = model.dim if isinstance(model, OnnxEncoder) else model.get_embedding_dimension()
        if not dim:
            raise ModelError(f"The embedding model “{self.name}” does not say how long its vectors are.")
        return int(dim)

    @property
    def max_tokens(self) -> int:
        """Longest passage, in tokens, the model reads; the rest of a longer text is ignored."""
        model = self._either()
        return int(model.max_tokens if isinstance(model, OnnxEncoder) else model.max_seq_length)

    @property
    def uses_bf16(self) -> bool:
        self._load()
        return self._bf16

    @property
    def question_backend(self) -> str:
        """What embeds a question and the sentences weighed for it: "onnx" wherever ONNX Runtime can serve."""
        model, _ = self._for_question()
        if isinstance(model, OnnxEncoder):
            return "onnx"
        return "torch-bf16" if self._bf16 else "torch-fp32"

    # -- work ---------------------------------------------------------------------------------------------

    def count_tokens(self, text: str) -> int:
        self._load()
        with self._use:
            return len(self._tokenizer.encode(text, add_special_tokens=False))

    def encode(
        self,
        texts: Sequence[str],
        batch_size: int = 32,
        cancel: CancelToken = NEVER,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> np.ndarray:
        """Vectors for ``texts`` in their order; cancellable between batches."""
        model = self._load()
        return self._encode(model, self._use, texts, batch_size, cancel, on_progress, allow_bf16=len(texts) > 1)

    def encode_query(self, text: str) -> np.ndarray:
        """One question. With torch, on one thread: a dozen tokens leave a second thread nothing to do but wait at
        OpenMP's barriers, and on a busy machine that wait made one question take 1.2 s instead of 0.08 s (measured
        with other work on both cores). The setting is changed and put back while the model's lock is held, so an
        indexing batch never runs with it. ONNX Runtime's idle threads sleep instead of spinning."""
        model, lock = self._for_question()
        return self._encode(model, lock, [text], 1, NEVER, None, allow_bf16=False, one_thread=True)[0]

    def encode_for_question(self, texts: Sequence[str]) -> np.ndarray:
        """A few texts while a question waits (the sentences focus weighs), on the question's encoder."""
        model, lock = self._for_question()
        return self._encode(model, lock, texts, 32, NEVER, None, allow_bf16=False)

    def _encode(
        self,
        model: SentenceTransformer | OnnxEncoder,
        lock: threading.Lock,
        texts: Sequence[str],
        batch_size: int,
        cancel: CancelToken,
        on_progress: Callable[[int, int], None] | None,
        allow_bf16: bool,
        one_thread: bool = False,
    ) -> np.ndarray:
        dim = model.dim if isinstance(model, OnnxEncoder) else self.dim
        out = np.empty((len(texts), dim), dtype=np.float32)
        # Longest first, like sentence-transformers itself: batches of similar length waste little padding.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        done = 0
        for begin in range(0, len(order), batch_size):
            cancel.raise_if_cancelled()
            rows = order[begin : begin + batch_size]
            batch = [texts[i] for i in rows]
            with lock, self._precision_context(allow_bf16):
                if isinstance(model, OnnxEncoder):  # its idle threads sleep: no spinning barrier to avoid
                    vectors = model.encode(batch)
                else:
                    with _torch_threads(1 if one_thread else None):
                        vectors = model.encode(batch, batch_size=len(rows), convert_to_numpy=True,
                                               show_progress_bar=False)
            out[rows] = np.asarray(vectors, dtype=np.float32)
            done += len(rows)
            if on_progress is not None:
                on_progress(done, len(texts))
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out

    # -- loading ------------------------------------------------------------------------------------------

    def _precision_context(self, allow_bf16: bool) -> contextlib.AbstractContextManager[object]:
        """bf16 pays for itself on batches; a lone question would spend more time casting the weights."""
        if not (self._bf16 and allow_bf16):
            return contextlib.nullcontext()
        import torch

        return torch.autocast("cpu", dtype=torch.bfloat16)

    def _load(self) -> SentenceTransformer | OnnxEncoder:
        if self._model is not None:
            return self._model
        with self._lock:
            if self._model is None:
                bf16 = self._precision == "bf16" or (self._precision == "auto" and cpu_has_native_bf16())
                onnx = self._load_onnx() if self._onnx_serves_passages(bf16) else None
                if onnx is not None:
                    self._tokenizer = _FastCounter.from_file(self.model_path / "tokenizer.json")
                    self._use = self._onnx_use  # one encoder, one lock, whichever path calls it
                    self._model = onnx
                    return onnx
                model = _load_model(self.model_path)
                tokenizer = getattr(model, "tokenizer", None)
                if tokenizer is None or not hasattr(tokenizer, "encode"):
                    raise ModelError(f"The embedding model “{self.name}” has no tokenizer.")
                backend = getattr(tokenizer, "backend_tokenizer", None)
                self._tokenizer = _FastCounter(backend) if backend is not None else tokenizer
                self._bf16 = bf16
                self._model = model  # last: a model that failed to load leaves nothing behind
        return self._model

    def _either(self) -> SentenceTransformer | OnnxEncoder:
        """A loaded encoder, for what both read off the same folder (length of vectors, of passages): checking a
        folder of unchanged files before a question must not wait for torch."""
        if self._model is not None:
            return self._model
        model, _ = self._for_question()
        return model

    def _onnx_serves_passages(self, bf16: bool) -> bool:
        return self._backend == "onnx" or (self._backend == "auto" and not bf16)

    def _for_question(self) -> tuple[SentenceTransformer | OnnxEncoder, threading.Lock]:
        """The encoder for what a question waits on, and its lock: ONNX Runtime unless torch is insisted on or
        ONNX cannot serve; then the passages' encoder."""
        if self._backend != "torch":
            onnx = self._load_onnx()
            if onnx is not None:
                return onnx, self._onnx_use
        return self._load(), self._use

    def _load_onnx(self) -> OnnxEncoder | None:
        """The ONNX encoder, loaded once, or None (with the reason logged, once) when it cannot serve."""
        if self._onnx is not None or self._onnx_tried:
            return self._onnx
        with self._lock:
            if self._onnx_tried:
                return self._onnx
            if self.model_path.is_dir():  # else the torch loader says what is wrong with the folder
                try:
                    self._onnx = OnnxEncoder(self.model_path, cache_dir=self._cache_dir, threads=self._threads)
                except OnnxUnavailable as exc:
                    self.fallback_reason = str(exc)
                    log.warning("Embedding with sentence-transformers in float32 instead of ONNX Runtime: %s", exc)
            self._onnx_tried = True
        return self._onnx


@contextlib.contextmanager
def _torch_threads(count: int | None) -> Iterator[None]:
    """Torch on ``count`` threads inside the block (None: unchanged), then as before."""
    if count is None:
        yield
        return
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class _FastCounter:
    """The Rust tokenizer directly: no Python-side checks or warnings about texts longer than the model."""

    def __init__(self, backend: Any) -> None:
        from tokenizers import Tokenizer

        # A private copy: the model's own tokenizer pads and truncates, which would cap every count.
        self._backend = Tokenizer.from_str(backend.to_str())
        self._backend.no_padding()
        self._backend.no_truncation()

    @classmethod
    def from_file(cls, path: Path) -> _FastCounter:
        from tokenizers import Tokenizer

        return cls(Tokenizer.from_file(str(path)))

    def encode(self, text: str, add_special_tokens: bool = False) -> list[int]:
        return self._backend.encode(text, add_special_tokens=add_special_tokens).ids


def _load_model(path: Path) -> SentenceTransformer:
    if not path.is_dir():
        raise ModelError(f"The embedding model folder “{path}” does not exist.")
    if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
        raise ModelError(
            f"The folder “{path}” is not a sentence-transformers model: it has no modules.json or config.json."
        )
    # Never reach for a model hub: set before transformers is imported, which reads them once.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    from crossroads.warmup import IMPORT_LOCK

    with IMPORT_LOCK:  # see warmup.IMPORT_LOCK: transformers' lazy names are not safe to import from two threads
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # no "Loading weights" bars on the user's terminal
    try:
        return SentenceTransformer(str(path), device="cpu", local_files_only=True)
    except Exception as exc:  # any failure inside the library means the folder is not a usable model
        raise ModelError(
            f"The embedding model in “{path}” could not be loaded; the folder may be incomplete or damaged."
        ) from exc


@lru_cache(maxsize=1)
def cpu_has_native_bf16() -> bool:
    """True when the CPU computes bfloat16 in hardware; emulated bf16 would be slower than float32. Linux says so
    in /proc/cpuinfo, which costs nothing; elsewhere torch is asked (importing it takes most of a second)."""
    try:
        flags = set(Path("/proc/cpuinfo").read_text(errors="replace").split())
    except OSError:
        flags = set()
    if flags:
        return bool(flags & {"avx512_bf16", "amx_bf16"})
    try:
        import torch

        return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
    except (ImportError, AttributeError, RuntimeError):
        return False


def passages_need_torch() -> bool:
    """Whether the default embedder will run torch for passages: on a CPU with native bf16, or without ONNX
    Runtime. Elsewhere torch is only imported to export the ONNX graph once, or should that fail."""
    import importlib.util

    return cpu_has_native_bf16() or importlib.util.find_spec("onnxruntime") is None
