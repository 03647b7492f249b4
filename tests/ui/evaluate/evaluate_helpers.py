"""Question data and small steps shared by the Evaluate tab's tests."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from crossroads.evaluation.evaluate import Evaluation
from crossroads.ui.evaluate import EvaluatePanel

RUN_TIMEOUT_MS = 120_000
QUESTIONS = (
    {"question": "Where do Zorbanian staff park?", "answers": ["lot K7", "K7"]},
    {"question": "What is the Zorbanian travel allowance per day?", "answers": ["73 florins"]},
    {"question": "Who founded Zorbania?"},
    {"question": "How many florins is the allowance?", "answers": ["73"]},
    {"question": "Where is the warehouse?", "answers": ["behind lot K7"]},
)


def write_jsonl(path: Path, records: Iterable[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def load(qtbot, panel: EvaluatePanel, path: Path, rows: int) -> None:  # type: ignore[no-untyped-def]
    panel.load_questions_file(path)
    qtbot.waitUntil(lambda: panel.questions.model.rowCount() == rows and not panel.questions.loading)


def run_to_end(qtbot, panel: EvaluatePanel) -> Evaluation:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(panel.evaluation_finished, timeout=RUN_TIMEOUT_MS) as blocker:
        panel.start()
    return blocker.args[0]
