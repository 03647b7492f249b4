"""The Fine-tune tab of a build without the training stack: it says so up front and cannot start a run."""

from __future__ import annotations

import sys

import pytest

from crossroads.ui.finetune.panel import FineTunePanel
from crossroads.workspace import Workspace

pytestmark = pytest.mark.gui


def test_without_peft_the_tab_says_not_installed_in_this_build_and_offers_no_training(
        qtbot, ft_workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(sys.modules, "peft", None)  # fault injection: peft cannot be imported
    panel = FineTunePanel(ft_workspace)
    qtbot.addWidget(panel)
    panel.show()

    assert panel.message.isVisible()
    assert "Fine-tuning is not installed in this build" in panel.message.text.text()
    assert "lacks peft" in panel.message.text.text()
    assert not panel.start_button.isEnabled() and not panel.resume_button.isEnabled()
    assert panel.export_button.text().startswith("Export"), "exporting for a GPU trainer still works"
    panel.resume("anything")
    assert "not installed in this build" in panel.message.text.text()
    panel.shutdown()
