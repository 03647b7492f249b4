"""What the app holds open: a model that swaps safely, knowledge bases, their history, checked settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossroads.config import Settings
from crossroads.errors import InputError, ModelError, UnreadableFile
from crossroads.workspace import Workspace, settings_with

SETTINGS = Settings(max_tokens=12, threads=2, context_size=2048)


@pytest.fixture
def workspace(tiny_model_path: Path):  # type: ignore[no-untyped-def]
    ws = Workspace(SETTINGS)
    ws.load_model(str(tiny_model_path))
    yield ws
    ws.close()


def test_a_file_that_fails_to_load_leaves_the_loaded_model_in_place(workspace: Workspace, tmp_path: Path) -> None:
    before = workspace.model
    fake = tmp_path / "broken.gguf"
    fake.write_bytes(b"GGUF" + b"\x00" * 64)
    with pytest.raises((ModelError, UnreadableFile, InputError)):
        workspace.load_model(str(fake))
    assert workspace.model == before
    comparison = workspace.ask("Say hello.", ["plain"], None)
    assert comparison.answers[0].text


def test_asking_before_any_model_is_loaded_says_what_to_do() -> None:
    with pytest.raises(ModelError, match="No model is loaded"):
        Workspace(SETTINGS).ask("Hello?", ["plain"], None)


def test_a_finished_comparison_joins_the_knowledge_base_history(workspace: Workspace, tmp_path: Path) -> None:
    (tmp_path / "policy.md").write_text("# Parking\n\nStaff park in lot K7 behind the warehouse.\n")
    kb = workspace.open_kb("acme")
    workspace.index(kb, [tmp_path / "policy.md"])
    events: list[object] = []
    comparison = workspace.ask("Where do staff park?", ["plain", "rag"], kb, on_event=events.append)
    assert [a.mode for a in comparison.answers] == ["plain", "rag"]
    assert any(type(e).__name__ == "SourcesFound" for e in events)
    entries = workspace.history(kb).entries()
    assert [e.question for e in entries] == ["Where do staff park?"]
    assert workspace.history(kb).get(entries[0].id)["answers"][1]["sources"][0]["path"].endswith("policy.md")


def test_the_same_knowledge_base_is_opened_once(workspace: Workspace) -> None:
    assert workspace.open_kb("acme") is workspace.open_kb("acme")


def test_changing_threads_or_context_asks_for_a_reload_and_sampling_follows(workspace: Workspace) -> None:
    assert not workspace.update_settings(settings_with(SETTINGS, max_tokens=20))
    assert workspace.sampling().max_tokens == 20
    assert workspace.update_settings(settings_with(SETTINGS, context_size=1024))


def test_an_empty_question_set_is_refused_plainly(workspace: Workspace) -> None:
    with pytest.raises(InputError, match="no questions"):
        workspace.evaluate([], ["plain"], None)


@pytest.mark.parametrize(
    ("change", "named"),
    [({"threads": -1}, "Threads"), ({"context_size": 100}, "Context size"), ({"temperature": 3.0}, "Temperature"),
     ({"max_tokens": 0}, "Max tokens"), ({"top_k": 0}, "Passages"), ({"chunk_overlap": 300}, "overlap")],
)
def test_a_bad_setting_is_named(change: dict, named: str) -> None:
    with pytest.raises(InputError, match=named):
        settings_with(Settings(), **change)
