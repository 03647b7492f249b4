"""One real workspace (the tiny model) and a real knowledge base, shared by the Fine-tune tab's tests."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from crossroads.config import Settings
from crossroads.ui.finetune.panel import FineTunePanel
from crossroads.ui.worker import running_workers
from crossroads.workspace import Workspace

POLICY_MD = (
    "# Parking\n\nStaff park in lot K7 behind the Zorbanian warehouse, next to the loading bay.\n\n"
    "# Travel\n\nThe Zorbanian travel allowance is 73 florins per day, paid with the monthly salary.\n"
)
WAIT_MS = 300_000  # a shared 2-core machine; a correct run ends far sooner
PAIRS = [
    ("Where do staff park?", "In lot K7 behind the Zorbanian warehouse."),
    ("What is the travel allowance?", "73 florins per day."),
    ("Which lot is for staff cars?", "Lot K7."),
    ("How much is the daily travel allowance?", "73 florins."),
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if importlib.util.find_spec("peft") is None or importlib.util.find_spec("gguf") is None:
        skip = pytest.mark.skip(reason="the finetune extra (peft, gguf) is not installed")
        for item in items:
            if "tests/ui/finetune" in str(item.fspath).replace("\\", "/"):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def ft_workspace(tiny_model_path: Path) -> Iterator[Workspace]:
    workspace = Workspace(Settings(max_tokens=16, threads=1))
    workspace.load_model(str(tiny_model_path))
    yield workspace
    workspace.close()


@pytest.fixture(scope="session")
def ft_kb(ft_workspace: Workspace, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("ftdocs")
    (folder / "policy.md").write_text(POLICY_MD, encoding="utf-8")
    kb = ft_workspace.open_kb(folder / "acme")
    ft_workspace.index(kb, [folder / "policy.md"])
    return kb


def write_pairs(path: Path, pairs: list[tuple[str, str]] = PAIRS) -> Path:
    path.write_text("".join(json.dumps({"question": q, "answer": a}) + "\n" for q, a in pairs), encoding="utf-8")
    return path


@pytest.fixture
def panel(qtbot, ft_workspace: Workspace) -> Iterator[FineTunePanel]:  # type: ignore[no-untyped-def]
    widget = FineTunePanel(ft_workspace)
    qtbot.addWidget(widget)
    widget.show()
    yield widget
    widget.shutdown()
    qtbot.waitUntil(lambda: not running_workers(), timeout=WAIT_MS)


def only_file(panel: FineTunePanel, path: Path, general: int = 0) -> None:
    form = panel.data_form
    form.generated.setChecked(False)
    form.passages.setChecked(False)
    form.set_qa_file(path)
    form.general.setValue(general)


def prepare(qtbot, panel: FineTunePanel) -> None:  # type: ignore[no-untyped-def]
    panel.data_form.prepare_button.click()
    assert panel.preparing, "the data is prepared on a worker, not on the UI thread"
    qtbot.waitUntil(lambda: not panel.preparing, timeout=WAIT_MS)
