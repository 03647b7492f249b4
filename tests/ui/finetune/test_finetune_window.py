"""The Fine-tune tab in the window: where it sits, Use in Compare, a wrong-base adapter refused, closing mid-run."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from crossroads.finetune import runs

from ..helpers import WAIT_MS
from .conftest import write_pairs

pytestmark = pytest.mark.gui


def keep(adapter: Path, name: str, base: Path, sha256: str | None = None) -> runs.AdapterRun:
    """A real GGUF LoRA adapter kept under ``name``, as a finished run leaves it."""
    manifest = runs.Manifest(name=name, base_model=base.name, base_sha256=sha256 or runs.model_sha256(base),
                             steps=3, seconds=12.0, best_eval_loss=1.234, verified=True,
                             parity={"effect_agreement": 0.97, "reason": "llama.cpp reproduces the fine-tuned model."})
    return runs.save_run(name, adapter, manifest)


def test_the_tab_sits_between_evaluate_and_decide(make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window(load=False)
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert titles == ["Compare", "Evaluate", "Fine-tune", "Decide"]
    window.tabs.setCurrentWidget(window.finetune)
    assert window.library.isVisible(), "the knowledge base to train on is chosen in the Library"


def test_use_in_compare_loads_the_kept_adapter_on_a_worker_and_shows_compare(
        qtbot, make_window, tiny_lora_path: Path, tiny_model_path: Path) -> None:  # type: ignore[no-untyped-def]
    keep(tiny_lora_path, "acme", tiny_model_path)
    window = make_window()
    window.tabs.setCurrentWidget(window.finetune)
    panel = window.finetune
    assert panel.adapters.names() == ["acme"]
    row = panel.adapters.table
    assert [row.item(0, c).text() for c in range(5)] == ["acme", "3", "1.234", "12 s", "yes (0.97)"]
    panel.adapters.select("acme")
    panel.adapters.use_button.click()
    qtbot.waitUntil(lambda: window.workspace.adapter is not None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not window.loading_model, timeout=WAIT_MS)
    assert window.tabs.currentWidget() is window.compare
    assert window.workspace.adapter.path == runs.run_folder("acme") / runs.ADAPTER_FILE
    assert "finetuned" in window.compare.selected_modes()

    window.tabs.setCurrentWidget(window.finetune)
    panel.delete("acme")
    assert "in use in Compare" in panel.message.text.text() and panel.adapters.names() == ["acme"]


def test_an_adapter_trained_for_other_weights_is_refused_with_the_reason(
        qtbot, make_window, tiny_lora_path: Path, tiny_model_path: Path) -> None:  # type: ignore[no-untyped-def]
    keep(tiny_lora_path, "other", tiny_model_path, sha256="0" * 64)
    window = make_window()
    window.tabs.setCurrentWidget(window.finetune)
    window.finetune.use("other")
    qtbot.waitUntil(lambda: window.finetune.message.isVisible(), timeout=WAIT_MS)
    assert "was trained for" in window.finetune.message.text.text()
    assert window.workspace.adapter is None and window.tabs.currentWidget() is window.finetune


def test_closing_the_window_while_the_run_loads_stops_its_process_at_once(
        qtbot, make_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    panel = window.finetune
    window.tabs.setCurrentWidget(panel)
    panel.data_form.generated.setChecked(False)
    panel.data_form.set_qa_file(write_pairs(tmp_path / "pairs.jsonl"))
    panel.data_form.general.setValue(0)
    panel.data_form.prepare_button.click()
    qtbot.waitUntil(lambda: not panel.preparing, timeout=WAIT_MS)
    panel.settings_form.name.setText("closing")
    panel.settings_form.steps.setValue(2)
    panel.settings_form.max_length.setValue(64)
    panel.start_button.click()
    qtbot.waitUntil(lambda: "Loading" in panel.progress_text.text(), timeout=WAIT_MS)

    assert panel.process_running

    began = time.monotonic()
    window.close()

    assert not panel.process_running, "no training process outlives the window"
    assert time.monotonic() - began < 15, "a run still loading its model has nothing to checkpoint: no wait"
