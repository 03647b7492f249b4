"""The app's workspace on a team's shared knowledge base (a real PostgreSQL with pgvector): opened once, created
only when asked, indexed and asked like a local one, with the questions' history kept on this computer."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossroads.config import Settings, data_dir
from crossroads.errors import KnowledgeBaseError
from crossroads.store.postgres import PostgresKnowledgeBase, parse_server_url
from crossroads.workspace import Workspace, kb_server, kb_server_is_local

SETTINGS = Settings(max_tokens=12, threads=2, context_size=2048)


@pytest.fixture
def workspace():  # type: ignore[no-untyped-def]
    ws = Workspace(SETTINGS)
    yield ws
    ws.close()


def test_a_shared_knowledge_base_is_created_only_when_asked_and_opened_once(
    workspace: Workspace, postgres_kb_url: str
) -> None:
    with pytest.raises(KnowledgeBaseError, match="There is no knowledge base"):
        workspace.open_kb(postgres_kb_url, create=False)
    kb = workspace.open_kb(postgres_kb_url, create=True)
    assert isinstance(kb, PostgresKnowledgeBase)
    address = parse_server_url(postgres_kb_url)
    assert workspace.open_kb(address.display, create=False) is kb  # the same one, however it is written
    assert kb_server(kb) == address.where and kb_server_is_local(kb)
    workspace.close_kb(kb)
    assert workspace.open_kb(postgres_kb_url, create=False) is not kb  # closed, so opened afresh


def test_a_server_elsewhere_is_not_this_computer() -> None:
    elsewhere = PostgresKnowledgeBase(parse_server_url("postgresql://ann@db.example:5433/team?kb=acme"), None, 0)
    assert kb_server(elsewhere) == "db.example:5433" and not kb_server_is_local(elsewhere)
    assert kb_server(None) is None


def test_questions_on_a_shared_knowledge_base_are_answered_from_it_and_remembered_here(
    workspace: Workspace, postgres_kb_url: str, tiny_model_path: Path, tmp_path: Path
) -> None:
    workspace.load_model(str(tiny_model_path))
    (tmp_path / "policy.md").write_text("# Parking\n\nStaff park in lot K7 behind the warehouse.\n")
    kb = workspace.open_kb(postgres_kb_url, create=True)
    workspace.index(kb, [tmp_path / "policy.md"])
    comparison = workspace.ask("Where do staff park?", ["plain", "rag"], kb)
    assert comparison.answers[1].sources[0].path.endswith("policy.md")
    history = workspace.history(kb)
    assert [e.question for e in history.entries()] == ["Where do staff park?"]
    kept = list((data_dir() / "shared-knowledge-bases").glob("*/history.sqlite"))
    assert len(kept) == 1  # on this computer, not on the team's server
