"""Shared fixtures. Real parts only: the real tiny GGUF, the real embedding model, real files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parent.parent
TEST_CHAT_MODEL = "smollm2-135m-instruct"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own user-data folder; the models folder stays the checkout's (pulled by make)."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("CROSSROADS_HOME", str(home))
    return home


def _catalog_path(name: str) -> Path:
    from crossroads.models.catalog import load_catalog

    entry = load_catalog().get(name)
    path = entry.local_path()
    if not path.exists():
        pytest.fail(f"model {name} is not pulled; run `make test` (it pulls the models) or "
                    f"`crossroads models pull {name}`")
    return path


@pytest.fixture(scope="session")
def tiny_model_path() -> Path:
    """The 135M GGUF the suite runs on: loads in a blink, real llama.cpp all the same."""
    return _catalog_path(TEST_CHAT_MODEL)


@pytest.fixture(scope="session")
def embedding_model_path() -> Path:
    return _catalog_path("all-minilm-l6-v2")


@pytest.fixture(scope="session")
def embedder(embedding_model_path: Path):
    from crossroads.embedding import Embedder

    return Embedder(embedding_model_path)


POLICY_MD = (
    "# Parking\n\nStaff park in lot K7 behind the Zorbanian warehouse.\n\n"
    "# Travel\n\nThe Zorbanian travel allowance is 73 florins per day.\n"
)


@pytest.fixture(scope="session")
def policy_kb_dir(tmp_path_factory: pytest.TempPathFactory, embedder) -> Path:
    """A knowledge base holding one small policy with facts no model can know; built once, shared read-only."""
    from crossroads.store import KnowledgeBase

    folder = tmp_path_factory.mktemp("client")
    (folder / "policy.md").write_text(POLICY_MD, encoding="utf-8")
    with KnowledgeBase.open(folder / "kb", create=True) as kb:
        kb.add_paths([folder / "policy.md"], embedder)
    return folder / "kb"


@pytest.fixture(scope="session")
def tiny_engine(tiny_model_path: Path):
    """One loaded tiny model for the tests that only ask questions of it."""
    from crossroads.engine.llama_engine import LlamaEngine

    engine = LlamaEngine(tiny_model_path, context_size=2048, threads=2, max_sequences=2)
    yield engine
    engine.close()
