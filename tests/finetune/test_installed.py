"""A build without the fine-tuning stack says so in one sentence, before any run starts.

peft is hidden with ``sys.modules["peft"] = None`` (what Python does for a module that cannot be imported): a fault
injected into the real environment, where peft is installed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from crossroads.errors import SetupError
from crossroads.finetune import installed, pipeline, runs
from crossroads.finetune.examples import TrainingExample
from crossroads.finetune.plan import TrainSettings


@pytest.fixture
def no_peft(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "peft", None)


def test_with_the_full_stack_nothing_is_missing() -> None:
    assert installed.missing_packages() == []
    assert installed.not_installed_message() is None
    installed.check_installed()


def test_without_peft_the_message_says_fine_tuning_is_not_installed_in_this_build(no_peft: None) -> None:
    assert installed.missing_packages() == ["peft"]
    message = installed.not_installed_message()
    assert message is not None
    assert message.startswith("Fine-tuning is not installed in this build of Crossroads (it lacks peft).")
    with pytest.raises(SetupError, match="not installed in this build"):
        installed.check_installed()


def test_a_run_is_refused_before_anything_is_written(no_peft: None, tiny_model_path: Path) -> None:
    examples = [TrainingExample(question="Where do staff park?", answer="In lot K7.", source="user")]
    with pytest.raises(SetupError, match="lacks peft"):
        pipeline.prepare("no-peft", tiny_model_path, examples, TrainSettings())
    assert not runs.work_dir("no-peft").exists()
    with pytest.raises(SetupError, match="lacks peft"):
        pipeline.resume("no-peft")
