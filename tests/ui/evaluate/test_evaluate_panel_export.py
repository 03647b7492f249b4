"""Exporting from the Evaluate tab: what the buttons save after their file dialog, full run or stopped."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from crossroads.evaluation.evaluate import Evaluation
from crossroads.ui.evaluate import EvaluatePanel
from crossroads.ui.worker import running_workers
from crossroads.workspace import Workspace

from .evaluate_helpers import QUESTIONS, RUN_TIMEOUT_MS, load, run_to_end, write_jsonl

pytestmark = pytest.mark.gui


@pytest.fixture
def panel(qtbot, eval_workspace: Workspace, eval_kb) -> Iterator[EvaluatePanel]:  # type: ignore[no-untyped-def]
    widget = EvaluatePanel(eval_workspace)
    qtbot.addWidget(widget)
    widget.set_knowledge_base(eval_kb)
    qtbot.waitUntil(lambda: widget.mode_boxes["rag"].isEnabled())
    yield widget
    widget.cancel()
    qtbot.waitUntil(lambda: not running_workers(), timeout=RUN_TIMEOUT_MS)


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _assert_csv_matches(path: Path, evaluation: Evaluation) -> None:
    rows = _read_csv(path)
    expected = [(r.item.question, a.mode, a.text) for r in evaluation.results for a in r.answers]
    assert [(row["question"], row["mode"], row["answer"]) for row in rows] == expected


def test_export_writes_a_csv_row_per_question_and_mode_and_the_full_json(  # type: ignore[no-untyped-def]
    qtbot, panel: EvaluatePanel, tmp_path: Path
) -> None:
    load(qtbot, panel, write_jsonl(tmp_path / "set.jsonl", QUESTIONS[:2]), rows=2)
    evaluation = run_to_end(qtbot, panel)

    assert panel.export_csv(tmp_path / "out.csv")
    assert panel.export_json(tmp_path / "out.json")

    _assert_csv_matches(tmp_path / "out.csv", evaluation)
    assert len(_read_csv(tmp_path / "out.csv")) == 2 * 2
    assert json.loads((tmp_path / "out.json").read_text(encoding="utf-8")) == json.loads(
        json.dumps(evaluation.to_dict())
    )
    assert "Saved out.json" in panel.message.text.text()


def test_a_stopped_run_is_still_exportable(qtbot, panel: EvaluatePanel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    load(qtbot, panel, write_jsonl(tmp_path / "set.jsonl", QUESTIONS), rows=5)
    panel.results.model.rowsInserted.connect(panel.cancel)
    evaluation = run_to_end(qtbot, panel)
    assert len(evaluation.results) < len(QUESTIONS)

    assert panel.export_csv(tmp_path / "partial.csv")
    assert panel.export_json(tmp_path / "partial.json")

    _assert_csv_matches(tmp_path / "partial.csv", evaluation)
    saved = json.loads((tmp_path / "partial.json").read_text(encoding="utf-8"))
    assert len(saved["questions"]) == len(evaluation.results)
    assert saved["summary"]["plain"]["questions"] == len(evaluation.results)


def test_exporting_before_any_run_says_there_is_nothing_yet(panel: EvaluatePanel, tmp_path: Path) -> None:
    assert not panel.export_csv_button.isEnabled()
    assert not panel.export_csv(tmp_path / "out.csv")
    assert "no results to export yet" in panel.message.text.text()
    assert not (tmp_path / "out.csv").exists()


def test_a_folder_that_cannot_be_written_gets_a_clear_message(qtbot, panel: EvaluatePanel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    load(qtbot, panel, write_jsonl(tmp_path / "set.jsonl", QUESTIONS[:1]), rows=1)
    run_to_end(qtbot, panel)

    assert not panel.export_json(tmp_path / "missing-folder" / "out.json")
    assert "out.json could not be saved" in panel.message.text.text()
