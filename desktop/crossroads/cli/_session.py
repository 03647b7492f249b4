"""Shared flags and the objects they open: model, knowledge base, embedder, sampling settings."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from crossroads.config import SERVER_API_KEY_ENV, Settings
from crossroads.engine.events import SamplingParams

if TYPE_CHECKING:
    from crossroads.engine.protocol import Engine
    from crossroads.rag.embedding import Embedder
    from crossroads.store import KnowledgeBase

DEFAULTS = Settings()


def add_model_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", metavar="NAME_OR_GGUF", help="catalog name or path of a .gguf file "
                        "(default: the catalog's default chat model); with --server, the served model's name "
                        "(default: the one model the server serves)")
    parser.add_argument("--threads", type=int, default=DEFAULTS.threads, help="CPU threads (0: automatic)")
    parser.add_argument("--context", type=int, default=DEFAULTS.context_size, help="context size in tokens")
    parser.add_argument("--max-tokens", type=int, default=DEFAULTS.max_tokens, help="longest answer, in tokens")
    parser.add_argument("--temperature", type=float, default=DEFAULTS.temperature,
                        help="0 gives the same answer every time")
    parser.add_argument("--seed", type=int, default=DEFAULTS.seed)
    parser.add_argument("--top-k", type=int, default=DEFAULTS.top_k, help="passages retrieved for RAG")


def add_server_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--server", metavar="URL",
                        help="answer with a model on an OpenAI-compatible server (llama.cpp's server, vLLM, Ollama, "
                             "LM Studio) at this base URL, such as http://127.0.0.1:8080/v1, instead of on this "
                             f"computer: the questions and passages are sent there. A key, if it needs one, is read "
                             f"from {SERVER_API_KEY_ENV}.")


def check_server(args: argparse.Namespace) -> None:
    """With --server, the fine-tuned modes need the server's own fine-tuned model, named by --finetuned-model (the
    server applies the adapter: vLLM --lora-modules, an Ollama Modelfile's ADAPTER, llama-cpp-python's lora_path);
    a local --adapter cannot be sent there. Refused before anything is sent."""
    if not getattr(args, "server", None):
        return
    from crossroads.errors import InputError

    if getattr(args, "adapter", None):
        raise InputError(
            "--adapter is a file on this computer, and with --server the model runs on the server: serve the model "
            "with its adapter there under a name of its own (vLLM --lora-modules, an Ollama Modelfile's ADAPTER) "
            "and give that name as --finetuned-model."
        )
    asked = [m.strip() for m in (args.modes or "").split(",")]
    if any(m.startswith("finetuned") for m in asked) and not getattr(args, "finetuned_model", None):
        raise InputError(
            "The fine-tuned modes with --server need the server's fine-tuned model: name it with --finetuned-model "
            "(the model the server serves with the adapter applied)."
        )


def add_adapter_flags(parser: argparse.ArgumentParser) -> None:
    tuned = parser.add_mutually_exclusive_group()
    tuned.add_argument("--adapter", metavar="NAME_OR_GGUF",
                       help="an adapter kept by `crossroads finetune` (its name) or a GGUF LoRA adapter file: "
                            "enables the modes finetuned and finetuned+rag")
    tuned.add_argument("--finetuned-model", metavar="GGUF",
                       help="instead of --adapter: a whole fine-tuned GGUF made from --model elsewhere (e.g. on a "
                            "GPU box), answering the modes finetuned and finetuned+rag; with --server, the name of "
                            "the model the server serves with the adapter applied")


def finetuned_given(args: argparse.Namespace) -> bool:
    """Whether --adapter or --finetuned-model makes the fine-tuned modes possible."""
    return bool(getattr(args, "adapter", None) or getattr(args, "finetuned_model", None))


def default_modes(args: argparse.Namespace) -> str:
    """Every mode the given flags make possible: documents with --kb, the fine-tuned twins with --adapter."""
    modes = ["plain", "rag"] if args.kb else ["plain"]
    if finetuned_given(args):
        modes += ["finetuned", "finetuned+rag"] if args.kb else ["finetuned"]
    return ",".join(modes)


def check_adapter(args: argparse.Namespace) -> None:
    """Resolve --adapter to a file and refuse a wrong one before the model loads: missing, not a LoRA GGUF, or
    (for a kept adapter) trained on other weights than the model asked for."""
    from crossroads.engine.adapter import adapter_architecture

    whole = getattr(args, "finetuned_model", None)
    if whole and getattr(args, "server", None):
        return  # a name the server checks when it is connected
    if whole:
        from crossroads.engine.adapter import check_finetuned_model_file
        from crossroads.models.catalog import resolve_chat_model
        from crossroads.models.gguf_info import read_gguf_info

        base = resolve_chat_model(args.model)
        info = read_gguf_info(base)
        args.finetuned_model = Path(whole).expanduser()
        check_finetuned_model_file(args.finetuned_model, base, info.architecture, base.name)
    given = getattr(args, "adapter", None)
    if not given:
        return
    path = Path(given).expanduser()
    if not path.is_file() and not path.suffix and "/" not in str(given):
        from crossroads.finetune.runs import check_base, load_run
        from crossroads.models.catalog import resolve_chat_model

        run = load_run(str(given))
        check_base(run, resolve_chat_model(args.model))
        path = run.adapter_path
    adapter_architecture(path)
    if path.is_file():  # a copied run folder (or the demo's adapter) still carries its manifest
        from crossroads.finetune.runs import check_adapter_base
        from crossroads.models.catalog import resolve_chat_model

        check_adapter_base(path, resolve_chat_model(args.model))
    args.adapter = path


def sampling(args: argparse.Namespace) -> SamplingParams:
    from crossroads.errors import InputError

    if args.max_tokens < 1:
        raise InputError("--max-tokens must be at least 1.")
    if args.temperature < 0:
        raise InputError("--temperature cannot be negative.")
    return SamplingParams(max_tokens=args.max_tokens, temperature=args.temperature, seed=args.seed)


def open_engine(args: argparse.Namespace, sequences: int) -> Engine:
    """The model, with the --adapter (or --finetuned-model) when given; ``sequences``: the base model's columns.

    With --server, the served model instead: nothing loads here, and the columns become concurrent requests."""
    if getattr(args, "server", None):
        import os

        from crossroads.engine.server_engine import ServerEngine

        return ServerEngine(args.server, args.model, context_size=args.context,
                            api_key=os.environ.get(SERVER_API_KEY_ENV) or None,
                            finetuned_model=getattr(args, "finetuned_model", None))
    from crossroads.engine.llama_engine import LlamaEngine
    from crossroads.models.catalog import display_name_for, resolve_chat_model

    settings = Settings(threads=args.threads, context_size=args.context)
    path = resolve_chat_model(args.model)
    engine = LlamaEngine(path, context_size=settings.context_size, threads=settings.resolved_threads(),
                         max_sequences=max(1, sequences), display_name=display_name_for(path))
    adapter = getattr(args, "adapter", None)
    whole = getattr(args, "finetuned_model", None)
    if adapter or whole:
        try:
            engine.load_adapter(adapter) if adapter else engine.load_finetuned_model(whole)
        except BaseException:
            engine.close()
            raise
    return engine


def is_in_process(engine: Engine) -> bool:
    """Whether the model runs in this process (nothing is sent anywhere). Checked without importing the server
    backend, so the default path never loads it."""
    from crossroads.engine.llama_engine import LlamaEngine

    return isinstance(engine, LlamaEngine)


def base_columns(modes: list[str]) -> int:
    """How many of ``modes`` the base model answers (the others run on the adapter's context)."""
    from crossroads.compare import MODES

    return sum(1 for m in modes if not MODES[m].uses_adapter)


def open_kb(name_or_path: str) -> tuple[KnowledgeBase, Embedder]:
    """The knowledge base a name, folder or ``postgresql://...?kb=NAME`` URL gives, and the embedder it needs."""
    from crossroads.errors import KnowledgeBaseError
    from crossroads.rag.retrieval import embedder_for
    from crossroads.store.registry import is_server_url, knowledge_base_exists, open_knowledge_base

    if not is_server_url(name_or_path) and not knowledge_base_exists(name_or_path):
        raise KnowledgeBaseError(
            f"There is no knowledge base called '{name_or_path}'. "
            f"Create it with: crossroads index FILES --kb {name_or_path}"
        )
    kb = open_knowledge_base(name_or_path)  # a server says itself when the knowledge base is not there
    try:
        return kb, embedder_for(kb)  # type: ignore[arg-type]
    except BaseException:
        kb.close()
        raise
