"""Training beyond the laptop from the Fine-tune tab: the reviewed rows go out for a GPU trainer, the adapter it
trains comes back into the list and into Compare. Real tiny model, real files, real PEFT adapter; offscreen."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from tests.finetune.peft_fixture import write_peft_adapter

from crossroads.finetune import runs
from crossroads.finetune.export import AXOLOTL_FILE, LLAMA_FACTORY_FILE, README
from crossroads.ui.finetune.example_table import ANSWER
from crossroads.ui.finetune.panel import CANCEL_EXPORT_TEXT, EXPORT_TEXT, FineTunePanel

from .conftest import PAIRS, WAIT_MS, only_file, prepare, write_pairs

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def peft_folder(tmp_path_factory: pytest.TempPathFactory, tiny_model_path: Path) -> Path:
    """What Axolotl or LLaMA-Factory leaves for the tiny model: a PEFT LoRA folder."""
    folder = tmp_path_factory.mktemp("gpu-box") / "lora-out"
    write_peft_adapter(tiny_model_path, folder)
    return folder


def exported_rows(folder: Path) -> list[tuple[str, str]]:
    """(question, answer) of every chat row in the export, training and held-out files together."""
    rows = []
    for name in ("train.jsonl", "validation.jsonl"):
        path = folder / "data" / name
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                messages = {m["role"]: m["content"] for m in json.loads(line)["messages"]}
                rows.append((messages["user"], messages["assistant"]))
    return rows


def export(qtbot, panel: FineTunePanel, folder: Path) -> None:  # type: ignore[no-untyped-def]
    panel.export_to(folder)
    assert panel.exporting, "the export is written on a worker, not on the UI thread"
    assert panel.export_button.text() == CANCEL_EXPORT_TEXT and panel.export_button.isEnabled()
    qtbot.waitUntil(lambda: not panel.exporting, timeout=WAIT_MS)
    assert panel.export_button.text() == EXPORT_TEXT


def test_the_export_holds_the_ticked_rows_as_edited_with_both_trainer_configs(
        qtbot, panel: FineTunePanel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert not panel.export_button.isEnabled(), "nothing to export before there is data"
    only_file(panel, write_pairs(tmp_path / "pairs.jsonl"))
    prepare(qtbot, panel)
    assert panel.export_button.isEnabled()
    panel.model.setData(panel.model.index(1, ANSWER), "Seventy-three florins a day.")
    panel.model.set_included(2, False)

    export(qtbot, panel, tmp_path / "for-gpu")

    out = tmp_path / "for-gpu"
    expected = [PAIRS[0], (PAIRS[1][0], "Seventy-three florins a day."), PAIRS[3]]
    assert sorted(exported_rows(out)) == sorted(expected)
    axolotl = yaml.safe_load((out / AXOLOTL_FILE).read_text(encoding="utf-8"))
    assert axolotl["base_model"] == "HuggingFaceTB/SmolLM2-135M-Instruct"
    assert axolotl["lora_r"] == panel.settings_form.rank.value()
    assert yaml.safe_load((out / LLAMA_FACTORY_FILE).read_text(encoding="utf-8"))["finetuning_type"] == "lora"
    said = panel.message.text.text()
    assert panel.message.isVisible() and str(out) in said
    assert "axolotl train axolotl.yaml" in said and "llamafactory-cli train llama_factory.yaml" in said
    assert README in said and "Import a trained adapter" in said
    assert panel.model.rowCount() == 4, "the table keeps its rows"

    for row in range(4):
        panel.model.set_included(row, False)
    assert not panel.export_button.isEnabled(), "nothing ticked, nothing to export"


def test_a_folder_that_is_not_empty_is_refused_in_one_message_and_nothing_is_written(
        qtbot, panel: FineTunePanel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    only_file(panel, write_pairs(tmp_path / "pairs.jsonl"))
    prepare(qtbot, panel)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine", encoding="utf-8")

    export(qtbot, panel, busy)

    assert panel.message.isVisible() and "not empty" in panel.message.text.text()
    assert [p.name for p in busy.iterdir()] == ["notes.txt"]
    assert (busy / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert panel.model.rowCount() == 4 and panel.export_button.isEnabled()


def test_an_imported_peft_adapter_is_listed_and_answers_in_compare(
        qtbot, make_window, peft_folder: Path, tiny_model_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    panel = window.finetune
    window.tabs.setCurrentWidget(panel)

    panel.import_adapter(peft_folder, "gpu box")
    assert panel.importing and not panel.adapters.import_button.isEnabled()
    qtbot.waitUntil(lambda: not panel.importing, timeout=WAIT_MS)

    assert "Imported lora-out as the adapter “gpu box”" in panel.message.text.text()
    assert panel.adapters.names() == ["gpu box"] and panel.adapters.selected() == "gpu box"
    assert runs.load_run("gpu box").manifest.data == {"imported_from": "lora-out"}
    panel.adapters.use_button.click()
    qtbot.waitUntil(lambda: window.workspace.adapter is not None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not window.loading_model, timeout=WAIT_MS)
    assert window.tabs.currentWidget() is window.compare
    assert window.workspace.adapter.path == runs.run_folder("gpu box") / runs.ADAPTER_FILE
    assert "finetuned" in window.compare.selected_modes()


@pytest.mark.parametrize(("change", "reason"), [
    ("narrow", "trained on a model of another size"),
    ("dora", "DoRA"),
])
def test_an_adapter_the_model_cannot_take_is_refused_with_the_cores_reason(
        qtbot, panel: FineTunePanel, peft_folder: Path, tmp_path: Path, change: str,
        reason: str) -> None:  # type: ignore[no-untyped-def]
    target = shutil.copytree(peft_folder, tmp_path / "odd")
    if change == "narrow":  # a LoRA for a model with 512 hidden units, not the tiny model's 576
        from safetensors.torch import load_file, save_file

        tensors = load_file(str(target / "adapter_model.safetensors"))
        key = "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"
        tensors[key] = tensors[key][:, :512].contiguous()
        save_file(tensors, str(target / "adapter_model.safetensors"))
    else:
        config = json.loads((target / "adapter_config.json").read_text(encoding="utf-8"))
        (target / "adapter_config.json").write_text(json.dumps({**config, "use_dora": True}), encoding="utf-8")

    panel.import_adapter(target, "odd")
    qtbot.waitUntil(lambda: not panel.importing, timeout=WAIT_MS)

    assert panel.message.isVisible() and reason in panel.message.text.text()
    assert panel.adapters.names() == [] and not runs.run_folder("odd").exists()
