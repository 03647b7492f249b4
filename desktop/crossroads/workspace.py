"""What the desktop app has open — one model, its knowledge bases and their embedders — as plain Python.

The app's workers call these methods off the UI thread; the widgets never touch llama.cpp, FAISS or a file
parser. Everything here is safe to call from several threads at once: indexing one knowledge base while a
question is answered from it is the normal case (the knowledge base has its own lock; the engine serialises its
generations). Swapping the model loads the new one first, so a file that fails to load leaves the old one in place.
A fine-tuned adapter belongs to the model it was loaded on: swapping the model drops it (it was trained for the old
one), and a new adapter that fails to load leaves the previous adapter in place.

Instead of a model on this computer, the questions may go to a model server the user names (``use_server``: an
OpenAI-compatible server such as llama.cpp's, vLLM, Ollama): then ``model`` is None, ``server`` says where the
questions go, and the fine-tuned modes are refused (the adapter is a local file; a server applies its own).
Loading a local model again goes back to answering on this computer.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crossroads import netwatch
from crossroads.cancel import NEVER, CancelToken
from crossroads.config import SERVER_API_KEY_ENV, Settings
from crossroads.errors import InputError, ModelError, ServerError
from crossroads.store.postgres.address import is_server_url

if TYPE_CHECKING:
    from crossroads.compare import CompareEvent, Comparison
    from crossroads.engine.events import SamplingParams
    from crossroads.engine.llama_engine import LlamaEngine
    from crossroads.engine.protocol import Engine
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
class ServerSummary:
    """Where the questions go while a model server answers them: what the model bar and the status bar say."""

    name: str  # the served model's name
    base_url: str
    host: str
    port: int
    context_size: int
    finetuned_model: str | None = None  # the served model with the adapter applied, answering the fine-tuned modes

    @property
    def address(self) -> str:
        """``host:port``, as the status bar names it."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def on_this_computer(self) -> bool:
        """A loopback address: the server runs on this computer (the questions still leave Crossroads)."""
        return _is_loopback(self.host)


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def server_address(base_url: str) -> tuple[str, int]:
    """The host and port a base URL points at (the port its scheme implies when none is written)."""
    from urllib.parse import urlsplit

    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"'{base_url}' is not a server URL. Give the OpenAI-compatible base URL, such as "
                         "http://127.0.0.1:8080/v1.")
    try:
        port = parts.port
    except ValueError as exc:
        raise InputError(f"'{base_url}' has a port that is not a number between 0 and 65535.") from exc
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


def server_api_key(given: str | None = None) -> str | None:
    """The key typed for this session, else the one in the environment; never stored anywhere."""
    return given or os.environ.get(SERVER_API_KEY_ENV) or None


def list_served_models(base_url: str, api_key: str | None = None) -> list[str]:
    """The models a server offers (Test connection): a clear ``ServerError`` when it cannot be reached."""
    from crossroads.engine.server_engine import served_models

    host, port = server_address(base_url)
    with netwatch.trying_server(host, port):
        return served_models(base_url, server_api_key(api_key))


@dataclass(frozen=True)
class AdapterSummary:
    """What the model bar shows about the loaded fine-tuned adapter."""

    name: str
    path: Path | None  # None for a model server's fine-tuned model: no file here
    file_size: int
    kind: str = "adapter"  # or "model": a whole fine-tuned GGUF; or "served": a model server's fine-tuned model


class Workspace:
    def __init__(self, settings: Settings | None = None) -> None:
        self._settings = settings or Settings()
        self._lock = threading.RLock()
        self._engine: Engine | None = None
        self._model: ModelSummary | None = None
        self._server: ServerSummary | None = None
        self._adapter: AdapterSummary | None = None
        self._kbs: dict[Path | str, KnowledgeBase] = {}
        self._histories: dict[Path | str, History] = {}
        self._embedders: dict[str, Embedder] = {}

    # -- settings ---------------------------------------------------------------------------------------------

    @property
    def settings(self) -> Settings:
        return self._settings

    def update_settings(self, settings: Settings) -> bool:
        """Apply new settings; True if the loaded model must be reloaded for them to take effect."""
        with self._lock:
            before, self._settings = self._settings, settings
            return self._model is not None and (
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
            self._server = None
            netwatch.allow_server(None)  # back on this computer: every connection counts again
        if old is not None:
            old.close()  # waits for a generation still running on it to stop
        return summary

    @property
    def server(self) -> ServerSummary | None:
        """The model server answering instead of a local model, or None (the questions stay on this computer)."""
        return self._server

    def use_server(
        self,
        base_url: str,
        model: str | None = None,
        api_key: str | None = None,
        cancel: CancelToken = NEVER,
        finetuned_model: str | None = None,
    ) -> ServerSummary:
        """Answer with a model on an OpenAI-compatible server instead of the local one (which is closed once the
        server has answered: an unreachable server, a wrong URL or an unknown model leaves the previous one loaded).
        ``model`` may be left out when the server serves one; ``api_key`` defaults to the environment's.
        ``finetuned_model``: the server's model with the adapter applied, for the fine-tuned modes."""
        from crossroads.engine.server_engine import ServerEngine

        host, port = server_address(base_url)
        model = (model or "").strip() or None
        key = server_api_key(api_key)
        with netwatch.trying_server(host, port):
            if model is None:
                served = list_served_models(base_url, key)
                if len(served) != 1:
                    listed = f"It serves: {', '.join(served)}." if served else "It lists no model."
                    raise ServerError(f"The server at {base_url.strip().rstrip('/')} serves {len(served)} models: "
                                      f"name the one to use. {listed}")
                model = served[0]
            cancel.raise_if_cancelled()
            engine = ServerEngine(base_url, model, context_size=self._settings.context_size, api_key=key,
                                  finetuned_model=finetuned_model)
            if cancel.cancelled:
                engine.close()
                cancel.raise_if_cancelled()
            summary = ServerSummary(name=engine.name, base_url=engine.base_url, host=host, port=port,
                                    context_size=engine.context_size, finetuned_model=engine.finetuned_model)
            tuned = (AdapterSummary(name=engine.finetuned_model, path=None, file_size=0, kind="served")
                     if engine.finetuned_model else None)
            with self._lock:
                old, self._engine, self._model, self._adapter = self._engine, engine, None, tuned
                self._server = summary
                netwatch.allow_server(host, port)  # set before the probe ends: no gap where it would count
        if old is not None:
            old.close()  # a local model (and its adapter) is released; a generation on it stops first
        return summary

    @property
    def adapter(self) -> AdapterSummary | None:
        return self._adapter

    def load_adapter(self, path: str | Path) -> AdapterSummary:
        """The fine-tuned model for the fine-tuned modes (replacing the previous one): a GGUF LoRA adapter applied
        to the loaded model, or a whole fine-tuned GGUF of it made elsewhere - the file's header says which."""
        from crossroads.finetune.runs import check_adapter_base
        from crossroads.models.gguf_info import is_gguf, read_gguf_info

        server = self._server
        if server is not None:
            raise ModelError(no_adapter_with_server(server))
        engine = self._require_local_engine()
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
        if self._server is not None:
            with self._lock:
                self._server = replace(self._server, finetuned_model=None)
        with self._lock:
            self._adapter = None

    def chat_engine(self) -> LlamaEngine:
        """The loaded model's engine, for core jobs that generate with it (the Fine-tune tab's training data).

        Its lock runs one generation at a time, so such a job and Compare take turns instead of loading the
        model twice. Those jobs fine-tune the local model, so a model server is refused here.
        """
        return self._require_local_engine()

    def _require_engine(self) -> Engine:
        engine = self._engine
        if engine is None:
            raise ModelError("No model is loaded yet. Choose one in the model bar.")
        return engine

    def _require_local_engine(self) -> LlamaEngine:
        from crossroads.engine.llama_engine import LlamaEngine

        engine = self._require_engine()
        server = self._server
        if server is not None or not isinstance(engine, LlamaEngine):
            where = server.address if server is not None else "a model server"
            raise ModelError(f"This needs the model on this computer, and the questions go to {where}. "
                             "Choose a local model in the model bar first.")
        return engine

    def _check_adapter_modes(self, modes: Sequence[str]) -> None:
        """The fine-tuned modes with a server: refused with the reason, before the generic 'no adapter' one."""
        from crossroads.compare import MODES, parse_modes

        server = self._server
        tuned = any(MODES[m].uses_adapter for m in parse_modes(modes))
        if server is not None and server.finetuned_model is None and tuned:
            raise InputError(no_adapter_with_server(server))

    # -- knowledge bases --------------------------------------------------------------------------------------

    def open_kb(self, name_or_path: str | Path, create: bool = True) -> KnowledgeBase:
        """Open (and keep open) a knowledge base by name or folder; a new name creates an empty one. A
        ``postgresql://…?kb=NAME`` URL opens a team's shared one on its server, created only when ``create``."""
        from crossroads.store import KnowledgeBase
        from crossroads.store.registry import check_name, is_path_like, resolve_kb_path

        text = str(name_or_path)
        if is_server_url(text):
            return self._open_shared_kb(text, create)
        if not is_path_like(text):
            check_name(text)
        path = resolve_kb_path(text).resolve()
        with self._lock:
            kb = self._kbs.get(path)
            if kb is None:
                kb = KnowledgeBase.open(path, create=create)
                self._kbs[path] = kb
            return kb

    def _open_shared_kb(self, url: str, create: bool) -> KnowledgeBase:
        from crossroads.store.postgres import PostgresKnowledgeBase, parse_server_url

        key = parse_server_url(url).display
        with self._lock:
            kb = self._kbs.get(key)
        if kb is None:
            opened = PostgresKnowledgeBase.open(url, create=create)  # connecting may take seconds: not under the lock
            with self._lock:
                kb = self._kbs.setdefault(key, opened)  # type: ignore[arg-type]
            if kb is not opened:
                opened.close()
        return kb

    def close_kb(self, kb: KnowledgeBase) -> None:
        """Forget an open knowledge base (before it is renamed or deleted)."""
        key = _kb_key(kb)
        with self._lock:
            self._kbs.pop(key, None)
            history = self._histories.pop(key, None)
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
        """The questions asked of ``kb``. A shared knowledge base's history stays on this computer (one file per
        server and knowledge base, under the data folder): what one consultant asked is not the team's."""
        from crossroads.history import History

        key = _kb_key(kb)
        with self._lock:
            history = self._histories.get(key)
            if history is None:
                folder = key if isinstance(key, Path) else shared_history_dir(key)
                folder.mkdir(parents=True, exist_ok=True)
                history = History(folder)
                self._histories[key] = history
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
        self._check_adapter_modes(modes)
        searchable = kb is not None and kb.chunk_count() > 0
        question, mode_list = check_request(question, modes, searchable, engine.finetuned is not None)
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
        self._check_adapter_modes(modes)
        searchable = kb is not None and kb.chunk_count() > 0
        mode_list = check_modes(modes, searchable, engine.finetuned is not None)
        embedder = self.embedder(kb) if searchable and kb is not None else None
        return evaluate(
            items, engine, mode_list, kb=kb if searchable else None, embedder=embedder,
            top_k=self._settings.top_k, params=self.sampling(), cancel=cancel, on_result=on_result,
        )

    # -- shutting down ----------------------------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            engine, self._engine, self._model, self._adapter = self._engine, None, None, None
            if self._server is not None:
                self._server = None
                netwatch.allow_server(None)
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


def no_adapter_with_server(server: ServerSummary) -> str:
    """Why the fine-tuned modes are off while a server answers."""
    return (f"The fine-tuned modes need the adapter applied to the model, and the model runs on the server at "
            f"{server.address}: a local adapter cannot be applied there. Serve the model with its adapter on the "
            "server under a name of its own (vLLM --lora-modules, an Ollama Modelfile's ADAPTER) and name it as the "
            "fine-tuned model in Use a model server…, or choose a local model to use a local adapter.")


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


def _kb_key(kb: KnowledgeBase) -> Path | str:
    """What the workspace keeps an open knowledge base under: its folder, or a shared one's URL (no password)."""
    return kb.path.resolve() if isinstance(kb.path, Path) else str(kb.path)


def kb_server(kb: KnowledgeBase | None) -> str | None:
    """``host:port`` of the server a shared knowledge base lives on; None for one on this computer."""
    address = getattr(kb, "address", None)
    return str(address.where) if address is not None else None


def kb_server_is_local(kb: KnowledgeBase) -> bool:
    """Whether a shared knowledge base's server is this computer (a loopback address or a local socket)."""
    address = getattr(kb, "address", None)
    return address is None or address.host.startswith("/") or _is_loopback(address.host)


def shared_history_dir(display_url: str) -> Path:
    """The local folder for a shared knowledge base's question history: named by a digest of its URL."""
    import hashlib

    from crossroads.config import data_dir

    digest = hashlib.sha256(display_url.encode("utf-8")).hexdigest()[:16]
    return data_dir() / "shared-knowledge-bases" / digest

