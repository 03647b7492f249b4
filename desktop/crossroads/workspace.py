"""What the desktop app has open — one model, its knowledge bases and their embedders — as plain Python.

The app's workers call these methods off the UI thread; the widgets never touch llama.cpp, FAISS or a file
parser. Everything here is safe to call from several threads at once: indexing one knowledge base while a
question is answered from it is the normal case (the knowledge base has its own lock; the engine serialises its
generations). Swapping the model loads the new one first, so a file that fails to load leaves the old one in place.
A fine-tuned adapter belongs to the model it was loaded on: swapping the model drops it (it was trained for the old
one), and a new adapter that fails to load leaves the previous adapter in place.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crossroads.cancel import NEVER, CancelToken
from crossroads.config import Settings
from crossroads.errors import InputError, ModelError

if TYPE_CHECKING:
    from crossroads.compare import CompareEvent, Comparison
    from crossroads.engine.events import SamplingParams
    from crossroads.engine.llama_engine import LlamaEngine
    from crossroads.evaluation.evaluate import Evaluation, QAItem, QuestionResult
    from crossroads.history import History
    from crossroads.rag.embedding import Embedder
    from crossroads.store import KnowledgeBase
    from crossroads.store.records import IndexEvent, IndexSummary

SEQUENCES = 2  # one sequence per column on each context: plain and rag on the base, their fine-tuned twins beside


@dataclass(frozen=True)
class ModelSummary:
    """What the model bar shows about the loaded model."""

    name: str
    path: Path
    architecture: str
    parameters: int | None
    quantisation: str | None
    trained_context: int | None
    context_size: int  # what this session uses (the setting, capped at what the model was trained for)
    file_size: int
    threads: int
    has_chat_template: bool


@dataclass(frozen=True)
class AdapterSummary:
    """What the model bar shows about the loaded fine-tuned adapter."""

    name: str
    path: Path
    file_size: int
    kind: str = "adapter"  # or "model": a whole fine-tuned GGUF answers the fine-tuned modes


class Workspace:
    def __init__(self, settings: Settings | None = None) -> None:
        self._settings = settings or Settings()
        self._lock = threading.RLock()
        self._engine: LlamaEngine | None = None
        self._model: ModelSummary | None = None
        self._adapter: AdapterSummary | None = None
        self._kbs: dict[Path, KnowledgeBase] = {}
        self._histories: dict[Path, History] = {}
        self._embedders: dict[str, Embedder] = {}

    # -- settings ---------------------------------------------------------------------------------------------

    @property
    def settings(self) -> Settings:
        return self._settings

    def update_settings(self, settings: Settings) -> bool:
        """Apply new settings; True if the loaded model must be reloaded for them to take effect."""
        with self._lock:
            before, self._settings = self._settings, settings
            return self._engine is not None and (
                before.threads != settings.threads or before.context_size != settings.context_size
            )

    def sampling(self) -> SamplingParams:
        from crossroads.engine.events import SamplingParams

        s = self._settings
        return SamplingParams(max_tokens=s.max_tokens, temperature=s.temperature, seed=s.seed)

    # -- the model --------------------------------------------------------------------------------------------

    @property
    def model(self) -> ModelSummary | None:
        return self._model

    def load_model(self, name_or_path: str | Path, cancel: CancelToken = NEVER) -> ModelSummary:
        """Load a catalog model or a GGUF file; the previous model stays loaded if this one fails."""
        from crossroads.engine.llama_engine import LlamaEngine
        from crossroads.models.catalog import display_name_for, resolve_chat_model

        path = resolve_chat_model(str(name_or_path))
        cancel.raise_if_cancelled()
        settings = self._settings
        engine = LlamaEngine(
            path, context_size=settings.context_size, threads=settings.resolved_threads(), max_sequences=SEQUENCES,
            display_name=display_name_for(path),
        )
        if cancel.cancelled:
            engine.close()
            cancel.raise_if_cancelled()
        info = engine.info
        summary = ModelSummary(
            name=engine.name, path=engine.path, architecture=info.architecture,
            parameters=info.parameters,
            quantisation=info.quantisation, trained_context=info.context_length, context_size=engine.context_size,
            file_size=info.file_size, threads=engine.threads, has_chat_template=bool(info.chat_template),
        )
        with self._lock:
            old, self._engine, self._model, self._adapter = self._engine, engine, summary, None
        if old is not None:
            old.close()  # waits for a generation still running on it to stop
        return summary

    @property
    def adapter(self) -> AdapterSummary | None:
        return self._adapter

    def load_adapter(self, path: str | Path) -> AdapterSummary:
        """The fine-tuned model for the fine-tuned modes (replacing the previous one): a GGUF LoRA adapter applied
        to the loaded model, or a whole fine-tuned GGUF of it made elsewhere - the file's header says which."""
        from crossroads.finetune.runs import check_adapter_base
        from crossroads.models.gguf_info import is_gguf, read_gguf_info

        engine = self._require_engine()
        path = Path(path).expanduser()
        whole = path.is_file() and is_gguf(path) and read_gguf_info(path).metadata.get("general.type") != "adapter"
        try:
            if whole:
                engine.load_finetuned_model(path)
            else:
                if path.is_file():  # a manifest beside it names the weights it was trained on: refuse others
                    check_adapter_base(path, engine.path)
                engine.load_adapter(path)
        except BaseException:
            if engine.adapter_path is None:  # the engine lost the previous one on the way (e.g. out of memory)
                with self._lock:
                    self._adapter = None
            raise
        summary = AdapterSummary(name=engine.adapter_name or path.stem, path=path, file_size=path.stat().st_size,
                                 kind="model" if whole else "adapter")
        with self._lock:
            if self._engine is engine:
                self._adapter = summary
        return summary

    def unload_adapter(self) -> None:
        """Back to the base model only; the fine-tuned modes are refused until an adapter is loaded again."""
        engine = self._engine
        if engine is not None:
            engine.unload_adapter()
        with self._lock:
            self._adapter = None

    def chat_engine(self) -> LlamaEngine:
        """The loaded model's engine, for core jobs that generate with it (the Fine-tune tab's training data).

        Its lock runs one generation at a time, so such a job and Compare take turns instead of loading the
        model twice.
        """
        return self._require_engine()

    def _require_engine(self) -> LlamaEngine:
        engine = self._engine
        if engine is None:
            raise ModelError("No model is loaded yet. Choose one in the model bar.")
        return engine

    # -- knowledge bases --------------------------------------------------------------------------------------

    def open_kb(self, name_or_path: str | Path, create: bool = True) -> KnowledgeBase:
        """Open (and keep open) a knowledge base by name or folder; a new name creates an empty one."""
        from crossroads.store import KnowledgeBase
        from crossroads.store.registry import check_name, is_path_like, resolve_kb_path

        text = str(name_or_path)
        if not is_path_like(text):
            check_name(text)
        path = resolve_kb_path(text).resolve()
        with self._lock:
            kb = self._kbs.get(path)
            if kb is None:
                kb = KnowledgeBase.open(path, create=create)
                self._kbs[path] = kb
            return kb

    def close_kb(self, kb: KnowledgeBase) -> None:
        """Forget an open knowledge base (before it is renamed or deleted)."""
        with self._lock:
            path = kb.path.resolve()
            self._kbs.pop(path, None)
            history = self._histories.pop(path, None)
        if history is not None:
            history.close()
        kb.close()

    def embedder(self, kb: KnowledgeBase) -> Embedder:
        """The embedder for ``kb``: the model that built it, or the chosen one for an empty knowledge base."""
        from crossroads.models.catalog import resolve_embedding_model
        from crossroads.rag.embedding import Embedder

        if kb.embedding_model:
            hint = kb.embedding_model_path
            path = hint if hint is not None and hint.is_dir() else resolve_embedding_model(kb.embedding_model)
        else:
            path = resolve_embedding_model(self._settings.embedding_model)
        key = str(Path(path).resolve())
        with self._lock:
            embedder = self._embedders.get(key)
            if embedder is None:
                embedder = Embedder(Path(path))
                self._embedders[key] = embedder
            return embedder

    def index(
        self,
        kb: KnowledgeBase,
        paths: Iterable[Path],
        cancel: CancelToken = NEVER,
        on_event: Callable[[IndexEvent], None] | None = None,
    ) -> IndexSummary:
        s = self._settings
        return kb.add_paths(list(paths), self.embedder(kb), s.chunk_tokens, s.chunk_overlap, cancel, on_event)

    def history(self, kb: KnowledgeBase) -> History:
        from crossroads.history import History

        path = kb.path.resolve()
        with self._lock:
            history = self._histories.get(path)
            if history is None:
                history = History(path)
                self._histories[path] = history
            return history

    # -- asking -----------------------------------------------------------------------------------------------

    def ask(
        self,
        question: str,
        modes: Sequence[str],
        kb: KnowledgeBase | None,
        cancel: CancelToken = NEVER,
        on_event: Callable[[CompareEvent], None] | None = None,
    ) -> Comparison:
        """Answer side by side, streaming events to ``on_event``; a finished comparison joins the history."""
        from crossroads.compare import check_request, run_comparison

        engine = self._require_engine()
        searchable = kb is not None and kb.chunk_count() > 0
        question, mode_list = check_request(question, modes, searchable, engine.adapter_path is not None)
        embedder = self.embedder(kb) if searchable and kb is not None else None
        comparison = run_comparison(
            question, engine, mode_list, on_event=on_event, kb=kb if searchable else None, embedder=embedder,
            top_k=self._settings.top_k, params=self.sampling(), cancel=cancel,
        )
        answers = comparison.answers
        if kb is not None and not cancel.cancelled and all(a.finish_reason != "cancelled" for a in answers):
            self.history(kb).add(comparison.to_dict())
        return comparison

    def evaluate(
        self,
        items: Sequence[QAItem],
        modes: Sequence[str],
        kb: KnowledgeBase | None,
        cancel: CancelToken = NEVER,
        on_result: Callable[[int, int, QuestionResult], None] | None = None,
    ) -> Evaluation:
        from crossroads.compare import check_modes
        from crossroads.evaluation.evaluate import evaluate

        if not items:
            raise InputError("There are no questions to evaluate. Load a question file or type some questions.")
        engine = self._require_engine()
        searchable = kb is not None and kb.chunk_count() > 0
        mode_list = check_modes(modes, searchable, engine.adapter_path is not None)
        embedder = self.embedder(kb) if searchable and kb is not None else None
        return evaluate(
            items, engine, mode_list, kb=kb if searchable else None, embedder=embedder,
            top_k=self._settings.top_k, params=self.sampling(), cancel=cancel, on_result=on_result,
        )

    # -- shutting down ----------------------------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            engine, self._engine, self._model, self._adapter = self._engine, None, None, None
            kbs = list(self._kbs.values())
            histories = list(self._histories.values())
            self._kbs.clear()
            self._histories.clear()
        for history in histories:
            history.close()
        for kb in kbs:
            kb.close()
        if engine is not None:
            engine.close()


def settings_with(settings: Settings, **changes: Any) -> Settings:
    """A copy of ``settings`` with ``changes``, checked: a bad value gets a message naming the setting."""
    updated = replace(settings, **changes)
    problems = []
    if updated.threads < 0:
        problems.append("Threads cannot be negative (0 chooses automatically).")
    if not 256 <= updated.context_size <= 131072:
        problems.append("Context size must be between 256 and 131072 tokens.")
    if updated.temperature < 0 or updated.temperature > 2:
        problems.append("Temperature must be between 0 and 2.")
    if updated.max_tokens < 1:
        problems.append("Max tokens must be at least 1.")
    if updated.top_k < 1:
        problems.append("Passages retrieved must be at least 1.")
    if updated.chunk_overlap >= updated.chunk_tokens:
        problems.append("Chunk overlap must be smaller than the chunk size.")
    if problems:
        raise InputError(" ".join(problems))
    return updated

