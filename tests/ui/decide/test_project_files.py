"""Answers saved per client or project: save, new, open, and bad files that lose nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from crossroads.decision import Answers, load_answers
from crossroads.ui.decide import DecidePanel

from .conftest import Dialogs
from .helpers import choose

pytestmark = pytest.mark.gui


def _fill(qtbot: Any, panel: DecidePanel) -> Answers:
    choose(panel, "change_frequency", "monthly")
    choose(panel, "need", "both")
    choose(panel, "gpu", "small")
    qtbot.keyClicks(panel.project_bar.name_edit, "ACME support")
    return panel.answers


def test_save_new_open_brings_the_answers_back(
    qtbot: Any, panel: DecidePanel, dialogs: Dialogs, tmp_path: Path
) -> None:
    given = _fill(qtbot, panel)
    assert given.project == "ACME support"
    path = tmp_path / "acme.json"
    panel.save_project(path)
    assert not panel.is_modified()
    assert load_answers(path) == given  # the file the CLI reads: `crossroads decide --answers acme.json`

    qtbot.mouseClick(panel.project_bar.buttons["new"], Qt.MouseButton.LeftButton)
    assert panel.answers == Answers() and panel.project_path is None
    assert panel.project_bar.name_edit.text() == ""
    assert panel.wizard.topic_pages[0].boxes["change_frequency"].value() == "unknown"
    assert dialogs.questions == []  # everything was saved: nothing to ask

    dialogs.open_path = path
    qtbot.mouseClick(panel.project_bar.buttons["open"], Qt.MouseButton.LeftButton)
    assert panel.answers == given
    assert panel.project_path == path and not panel.is_modified()
    assert panel.project_bar.name_edit.text() == "ACME support"
    assert panel.wizard.topic_pages[0].boxes["change_frequency"].value() == "monthly"
    assert panel.wizard.topic_pages[3].boxes["gpu"].value() == "small"
    assert "acme.json" in panel.project_bar.file_label.text()


def test_save_asks_for_a_file_the_first_time_then_saves_in_place(
    qtbot: Any, panel: DecidePanel, dialogs: Dialogs, tmp_path: Path
) -> None:
    _fill(qtbot, panel)
    dialogs.save_path = tmp_path / "client"  # typed without an extension
    qtbot.mouseClick(panel.project_bar.buttons["save"], Qt.MouseButton.LeftButton)
    assert panel.project_path == tmp_path / "client.json"
    choose(panel, "privacy", "personal")
    dialogs.save_path = None  # a second save must not ask again
    qtbot.mouseClick(panel.project_bar.buttons["save"], Qt.MouseButton.LeftButton)
    assert load_answers(tmp_path / "client.json").get("privacy") == "personal"


def test_new_with_unsaved_answers_asks_and_cancel_keeps_them(qtbot: Any, panel: DecidePanel, dialogs: Dialogs) -> None:
    given = _fill(qtbot, panel)
    dialogs.question_answer = QMessageBox.StandardButton.Cancel
    qtbot.mouseClick(panel.project_bar.buttons["new"], Qt.MouseButton.LeftButton)
    assert dialogs.questions == ["Save the answers for ACME support first?"]
    assert panel.answers == given

    dialogs.question_answer = QMessageBox.StandardButton.Discard
    qtbot.mouseClick(panel.project_bar.buttons["new"], Qt.MouseButton.LeftButton)
    assert panel.answers == Answers()


def test_open_with_unsaved_answers_can_save_them_first(
    qtbot: Any, panel: DecidePanel, dialogs: Dialogs, tmp_path: Path
) -> None:
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"answers": {"need": "facts"}}), encoding="utf-8")
    given = _fill(qtbot, panel)
    dialogs.question_answer = QMessageBox.StandardButton.Save
    dialogs.save_path = tmp_path / "first.json"
    dialogs.open_path = other
    qtbot.mouseClick(panel.project_bar.buttons["open"], Qt.MouseButton.LeftButton)
    assert load_answers(tmp_path / "first.json") == given
    assert panel.answers == Answers({"need": "facts"})


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"answers": {"need": "facts",', "is not valid JSON (line 1"),
        ('{"answers": {"change_frequncy": "daily"}}', 'unknown question "change_frequncy" (did you mean'),
        ('{"answers": {"need": "everything"}}', 'question "need" cannot be "everything" (allowed: unknown, facts'),
        ("[1, 2]", "must hold a JSON object"),
    ],
)
def test_a_bad_answers_file_is_explained_and_the_current_answers_stay(
    qtbot: Any, panel: DecidePanel, dialogs: Dialogs, tmp_path: Path, content: str, message: str
) -> None:
    given = _fill(qtbot, panel)
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    panel.load_project(bad)
    [warning] = dialogs.warnings()
    assert message in warning
    assert panel.answers == given and panel.is_modified()
    assert panel.project_path is None
    assert panel.wizard.topic_pages[0].boxes["change_frequency"].value() == "monthly"


def test_a_missing_answers_file_is_explained(panel: DecidePanel, dialogs: Dialogs, tmp_path: Path) -> None:
    panel.load_project(tmp_path / "gone.json")
    assert dialogs.warnings() == [f"The answers file gone.json was not found ({tmp_path / 'gone.json'})."]


def test_a_failed_save_is_explained_and_the_answers_stay_unsaved(
    qtbot: Any, panel: DecidePanel, dialogs: Dialogs, tmp_path: Path
) -> None:
    given = _fill(qtbot, panel)
    folder = tmp_path / "a folder"
    folder.mkdir()
    panel.save_project(folder)  # a folder cannot be replaced by a file
    [warning] = dialogs.warnings()
    assert "could not be saved as a folder" in warning and "still here" in warning
    assert panel.answers == given and panel.is_modified() and panel.project_path is None


def test_changing_an_answer_back_is_not_an_unsaved_change(panel: DecidePanel, tmp_path: Path) -> None:
    choose(panel, "need", "facts")
    panel.save_project(tmp_path / "a.json")
    choose(panel, "need", "behaviour")
    assert panel.is_modified()
    assert "unsaved changes" in panel.project_bar.file_label.text()
    choose(panel, "need", "facts")
    assert not panel.is_modified()
