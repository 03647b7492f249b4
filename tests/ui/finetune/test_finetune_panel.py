"""The Fine-tune tab driven like a user would: real tiny model, real knowledge base, real files, offscreen.

Each test has its own user-data folder (tests/conftest), so the kept adapters start empty.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from crossroads.errors import ModelError
from crossroads.finetune import runs
from crossroads.ui.finetune.example_table import ANSWER, INCLUDE, QUESTION
from crossroads.ui.finetune.panel import BEFORE_START, MEASURING, FineTunePanel
from crossroads.workspace import Workspace

from .conftest import WAIT_MS, only_file, prepare, write_pairs

pytestmark = pytest.mark.gui


def shown_error(panel: FineTunePanel) -> str:
    assert panel.message.isVisible(), "a message in the tab says what went wrong"
    return panel.message.text.text()


# -- 1. data ------------------------------------------------------------------------------------------------


def test_a_qa_file_fills_the_review_table_whose_rows_can_be_edited_unticked_and_deleted(
        qtbot, panel: FineTunePanel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    only_file(panel, write_pairs(tmp_path / "pairs.jsonl"))
    prepare(qtbot, panel)

    model = panel.model
    assert model.rowCount() == 4
    assert model.data(model.index(0, QUESTION)) == "Where do staff park?"
    assert model.data(model.index(0, 3)) == "Your Q&A file"
    assert panel.counts.text() == "4 examples: 4 your q&a file"

    assert model.setData(model.index(1, ANSWER), "Seventy-three florins a day.")
    model.set_included(2, False)
    assert model.data(model.index(2, INCLUDE), Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked
    assert "(1 left out)" in panel.counts.text()
    panel.table.selectRow(3)
    panel.delete_rows_button.click()

    examples = panel.examples()
    assert [e.question for e in examples] == ["Where do staff park?", "What is the travel allowance?"]
    assert examples[1].answer == "Seventy-three florins a day."
    assert panel.settings_form.name.text() == "pairs", "without a knowledge base the name follows the file"


def test_the_loaded_model_writes_questions_from_the_knowledge_base_and_general_answers(
        qtbot, panel: FineTunePanel, ft_kb) -> None:  # type: ignore[no-untyped-def]
    panel.set_knowledge_base(ft_kb)
    assert panel.settings_form.name.text() == "acme"
    form = panel.data_form
    form.per_passage.setValue(1)
    form.passages.setChecked(True)
    form.general.setValue(1)
    seen: list[str] = []
    panel.data_progress.valueChanged.connect(lambda _v: seen.append(panel.data_progress.text()))
    prepare(qtbot, panel)

    sources = [e.source for e in panel.examples()]
    assert not panel.message.isVisible()
    assert "passage" in sources and sources.count("general") == 1
    assert set(sources) <= {"generated", "passage", "general"}
    assert any(s.startswith("Writing questions about the passages") for s in seen)
    assert "Answering general questions: 1 of 1" in seen[-1]


def test_preparing_can_be_cancelled_and_the_table_keeps_what_it_had(
        qtbot, panel: FineTunePanel, ft_kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    only_file(panel, write_pairs(tmp_path / "pairs.jsonl"))
    prepare(qtbot, panel)
    panel.set_knowledge_base(ft_kb)
    panel.data_form.generated.setChecked(True)
    panel.data_form.prepare_button.click()
    panel.data_form.cancel_button.click()
    qtbot.waitUntil(lambda: not panel.preparing, timeout=WAIT_MS)
    assert "cancelled" in shown_error(panel)
    assert panel.model.rowCount() == 4


def test_training_questions_also_asked_in_evaluate_raise_a_warning(
        qtbot, panel: FineTunePanel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    panel.set_evaluation_questions(lambda: ["where do staff PARK", "Something else?"])
    only_file(panel, write_pairs(tmp_path / "pairs.jsonl"))
    prepare(qtbot, panel)
    assert panel.overlap_bar.isVisible()
    assert "1 training question is also in the Evaluate tab" in panel.overlap_bar.text.text()
    assert "Evaluate tab asks this question" in panel.model.data(panel.model.index(0, QUESTION),
                                                                 Qt.ItemDataRole.ToolTipRole)
    panel.model.set_included(0, False)
    assert not panel.overlap_bar.isVisible(), "an unticked row is not trained on"


# -- errors a user can cause --------------------------------------------------------------------------------


def test_no_knowledge_base_no_model_or_a_bad_file_is_said_in_the_tab(
        qtbot, panel: FineTunePanel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    panel.data_form.prepare_button.click()
    assert "Open a knowledge base" in shown_error(panel) and not panel.preparing

    without_model = FineTunePanel(Workspace())
    qtbot.addWidget(without_model)
    without_model.show()
    only_file(without_model, write_pairs(tmp_path / "pairs.jsonl"), general=3)
    without_model.data_form.prepare_button.click()
    assert "Load a model" in shown_error(without_model)

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "Where?"}\n{"question": "broken\n', encoding="utf-8")
    only_file(panel, bad)
    prepare(qtbot, panel)
    assert "bad.jsonl" in shown_error(panel) and panel.model.rowCount() == 0


def test_empty_data_an_unsupported_model_and_a_taken_name_are_refused_before_anything_starts(
        qtbot, panel: FineTunePanel, ft_workspace: Workspace, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    panel.start_button.click()
    assert "nothing to train on" in shown_error(panel) and not panel.training

    only_file(panel, write_pairs(tmp_path / "pairs.jsonl"))
    prepare(qtbot, panel)
    kept = runs.run_folder("pairs")
    kept.mkdir(parents=True)
    (kept / runs.MANIFEST).write_text("{}", encoding="utf-8")
    panel.settings_form.name.setText("Pairs")
    panel.start_button.click()
    assert "already exists" in shown_error(panel) and not panel.training

    unsupported = dataclasses.replace(ft_workspace.model, architecture="gpt2")
    monkeypatch.setattr(ft_workspace, "_model", unsupported)  # fault: a model family the trainer cannot read
    panel.set_model(unsupported)
    assert "not supported for fine-tuning" in panel.estimate.text()
    panel.settings_form.name.setText("fresh")
    panel.start_button.click()
    assert "not supported for fine-tuning" in shown_error(panel) and not panel.training


def test_a_training_process_failure_is_explained_and_the_tab_is_ready_again(
        qtbot, panel: FineTunePanel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from crossroads.finetune import session

    def too_big(*_args: object, **_kwargs: object) -> None:  # fault: the process refused the run's memory
        raise ModelError("Fine-tuning this model needs about 9.0 GB of memory but only 2.0 GB is free.")

    monkeypatch.setattr(session, "run_job", too_big)
    only_file(panel, write_pairs(tmp_path / "pairs.jsonl"))
    prepare(qtbot, panel)
    panel.start_button.click()
    qtbot.waitUntil(lambda: not panel.training, timeout=WAIT_MS)
    assert "The training stopped: Fine-tuning this model needs about 9.0 GB" in shown_error(panel)
    assert panel.start_button.isEnabled() and panel.estimate.text() == BEFORE_START


# -- 2-4. a real run: cancelled, resumed, kept, renamed, deleted -------------------------------------------


def test_a_tiny_run_is_cancelled_resumed_and_kept_with_its_measured_estimate_and_loss_curve(
        qtbot, panel: FineTunePanel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    only_file(panel, write_pairs(tmp_path / "pairs.jsonl"))
    panel.data_form.held_out.setValue(25)
    prepare(qtbot, panel)
    settings = panel.settings_form
    settings.name.setText("tiny")
    settings.steps.setValue(2)
    settings.max_length.setValue(64)

    panel.start_button.click()
    assert panel.training and panel.estimate.text() == MEASURING
    assert not panel.start_button.isEnabled() and panel.cancel_button.isEnabled()
    panel.cancel_button.click()  # before the first step: a checkpoint at step 0 is kept
    qtbot.waitUntil(lambda: not panel.training, timeout=WAIT_MS)
    assert "Training cancelled" in shown_error(panel)
    assert panel.resume_box.isVisibleTo(panel) and panel.unfinished.currentText() == "tiny"

    measured: list[str] = []
    panel.resume_button.click()
    assert panel.training
    qtbot.waitUntil(lambda: measured.append(panel.estimate.text()) or not panel.training, timeout=WAIT_MS)

    assert not panel.message.isVisible() or "cancelled" not in panel.message.text.text()
    assert any(m.startswith("Measured on the first step: about") and "peak memory" in m for m in measured)
    assert panel.result_box.isVisible()
    assert "<b>tiny</b> — 2 steps on 3 examples" in panel.result.text() and "llama.cpp" in panel.result.text()
    assert panel.adapters.selected() == "tiny" and panel.use_button.isEnabled(), "Use in Compare is one click away"
    assert panel.chart.points()[0] == 2
    assert panel.progress.value() == panel.progress.maximum() == 2
    assert panel.adapters.names() == ["tiny"] and not panel.resume_box.isVisibleTo(panel)
    manifest = json.loads((runs.run_folder("tiny") / runs.MANIFEST).read_text(encoding="utf-8"))
    assert manifest["steps"] == 2 and manifest["data"]["validation"] == 1

    panel.rename("tiny", "tiny v2")
    assert panel.adapters.names() == ["tiny v2"] and "<b>tiny v2</b>" in panel.result.text()
    panel.rename("tiny v2", "a/b")
    assert "cannot be an adapter name" in shown_error(panel)
    panel.delete("tiny v2")
    assert panel.adapters.names() == [] and not panel.result_box.isVisible()
