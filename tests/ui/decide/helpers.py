"""Steps a person takes in the Decide tab, shared by its tests."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from crossroads.ui.decide import DecidePanel


def choose(panel: DecidePanel, question_id: str, value: str) -> None:
    """Click the radio button for an answer, on whichever page holds the question."""
    for page in panel.wizard.topic_pages:
        if question_id in page.boxes:
            page.boxes[question_id].button(value).click()
            return
    raise KeyError(question_id)


def click_next(qtbot: Any, panel: DecidePanel) -> None:
    qtbot.mouseClick(panel.wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)


def click_back(qtbot: Any, panel: DecidePanel) -> None:
    qtbot.mouseClick(panel.wizard.button(QWizard.WizardButton.BackButton), Qt.MouseButton.LeftButton)
