"""One real workspace (the tiny model, a real knowledge base) shared by the Evaluate tab's tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crossroads.config import Settings
from crossroads.workspace import Workspace

POLICY_MD = (
    "# Parking\n\nStaff park in lot K7 behind the Zorbanian warehouse.\n\n"
    "# Travel\n\nThe Zorbanian travel allowance is 73 florins per day.\n"
)


@pytest.fixture(scope="session")
def eval_workspace(tiny_model_path: Path) -> Iterator[Workspace]:
    workspace = Workspace(Settings(max_tokens=16, threads=1))
    workspace.load_model(str(tiny_model_path))
    yield workspace
    workspace.close()


@pytest.fixture(scope="session")
def eval_kb(eval_workspace: Workspace, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A knowledge base holding one policy with facts no model knows (opened by folder: session-wide)."""
    folder = tmp_path_factory.mktemp("evaldocs")
    (folder / "policy.md").write_text(POLICY_MD, encoding="utf-8")
    kb = eval_workspace.open_kb(folder / "evalkb")
    eval_workspace.index(kb, [folder / "policy.md"])
    return kb


@pytest.fixture(scope="session")
def empty_kb(eval_workspace: Workspace, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return eval_workspace.open_kb(tmp_path_factory.mktemp("empty") / "emptykb")
