"""The Evaluate tab's fine-tuned modes: offered only while an adapter is loaded, run, tabled and summarised."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from crossroads.compare import MODES
from crossroads.ui.evaluate import EvaluatePanel
from crossroads.ui.worker import running_workers
from crossroads.workspace import Workspace

from .evaluate_helpers import QUESTIONS, RUN_TIMEOUT_MS, load, run_to_end, write_jsonl

pytestmark = pytest.mark.gui

FOUR = ["plain", "rag", "finetuned", "finetuned+rag"]


@pytest.fixture
def tuned_panel(qtbot, eval_workspace: Workspace, eval_kb, tiny_lora_path: Path) -> Iterator[EvaluatePanel]:  # type: ignore[no-untyped-def]
    """The panel on the shared workspace with the fixture adapter loaded (and removed again afterwards)."""
    widget = EvaluatePanel(eval_workspace)
    qtbot.addWidget(widget)
    widget.set_knowledge_base(eval_kb)
    qtbot.waitUntil(lambda: widget.mode_boxes["rag"].isEnabled())
    widget.set_adapter(eval_workspace.load_adapter(tiny_lora_path))
    yield widget
    widget.cancel()
    qtbot.waitUntil(lambda: not running_workers(), timeout=RUN_TIMEOUT_MS)
    eval_workspace.unload_adapter()


def test_the_fine_tuned_modes_are_offered_only_with_an_adapter(qtbot, eval_workspace: Workspace, eval_kb) -> None:  # type: ignore[no-untyped-def]
    panel = EvaluatePanel(eval_workspace)
    qtbot.addWidget(panel)
    panel.set_knowledge_base(eval_kb)
    qtbot.waitUntil(lambda: panel.mode_boxes["rag"].isEnabled())
    for name in ("finetuned", "finetuned+rag"):
        box = panel.mode_boxes[name]
        assert box.text() == MODES[name].label
        assert not box.isEnabled() and not box.isChecked()
        assert "Needs a fine-tuned adapter" in box.toolTip()
    assert panel.selected_modes() == ["plain", "rag"]

    panel.set_adapter(object())  # type: ignore[arg-type]  # any loaded adapter
    assert panel.selected_modes() == FOUR
    panel.mode_boxes["finetuned+rag"].setChecked(False)
    panel.set_adapter(None)
    assert panel.selected_modes() == ["plain", "rag"]
    panel.set_adapter(object())  # type: ignore[arg-type]
    assert panel.selected_modes() == ["plain", "rag", "finetuned"], "the user's choice comes back with the adapter"


def test_a_four_way_run_fills_the_table_and_the_summary_for_every_mode(  # type: ignore[no-untyped-def]
    qtbot, tuned_panel: EvaluatePanel, tmp_path: Path
) -> None:
    panel = tuned_panel
    load(qtbot, panel, write_jsonl(tmp_path / "set.jsonl", QUESTIONS[:2]), rows=2)
    assert panel.selected_modes() == FOUR

    evaluation = run_to_end(qtbot, panel)

    assert evaluation.modes == FOUR and len(evaluation.results) == 2
    results = panel.results.model
    for mode in FOUR:
        answer = evaluation.results[0].answers[FOUR.index(mode)]
        assert answer.mode == mode
        shown = results.data(results.index(0, results.column_of(mode, "answer")), Qt.ItemDataRole.ToolTipRole)
        assert shown == (answer.text or "The model gave no answer.")
    table = panel.summary.model
    assert [table.headerData(r, Qt.Orientation.Vertical) for r in range(table.rowCount())] == [
        MODES[m].label for m in FOUR
    ]
    assert len(panel.summary.accuracy_chart.chart().series()[0].barSets()) == 4
