"""The app's side of the fine-tuned model: load and unload an adapter, ask and evaluate in the four modes."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossroads.config import Settings
from crossroads.errors import InputError, ModelError
from crossroads.evaluation.evaluate import QAItem
from crossroads.workspace import Workspace

SETTINGS = Settings(max_tokens=12, threads=2, context_size=2048)
FOUR = ["plain", "rag", "finetuned", "finetuned+rag"]


@pytest.fixture
def workspace(tiny_model_path: Path):  # type: ignore[no-untyped-def]
    ws = Workspace(SETTINGS)
    ws.load_model(str(tiny_model_path))
    yield ws
    ws.close()


def test_loading_an_adapter_enables_the_four_modes_and_unloading_refuses_them_again(
    workspace: Workspace, tiny_lora_path: Path, tmp_path: Path
) -> None:
    (tmp_path / "policy.md").write_text("# Parking\n\nStaff park in lot K7 behind the warehouse.\n")
    kb = workspace.open_kb("acme")
    workspace.index(kb, [tmp_path / "policy.md"])
    with pytest.raises(InputError, match="fine-tuned adapter"):
        workspace.ask("Where do staff park?", FOUR, kb)

    summary = workspace.load_adapter(tiny_lora_path)
    assert summary.name == "tiny-lora" and summary.path == tiny_lora_path and summary.file_size > 0
    assert workspace.adapter == summary
    comparison = workspace.ask("Where do staff park?", FOUR, kb)
    assert [a.mode for a in comparison.answers] == FOUR
    assert comparison.answers[2].adapter == "tiny-lora"
    saved = workspace.history(kb).get(workspace.history(kb).entries()[0].id)
    assert saved["adapter"]["name"] == "tiny-lora"  # as the column names it

    evaluation = workspace.evaluate([QAItem("Where do staff park?", ("K7",))], ["plain", "finetuned"], kb)
    assert set(evaluation.summary()) == {"plain", "finetuned"}

    workspace.unload_adapter()
    assert workspace.adapter is None
    with pytest.raises(InputError, match="fine-tuned adapter"):
        workspace.evaluate([QAItem("Where do staff park?")], ["finetuned"], kb)
    assert workspace.ask("Where do staff park?", ["plain"], kb).answers[0].text


def test_a_bad_adapter_leaves_the_loaded_one_in_place(workspace: Workspace, tiny_lora_path: Path,
                                                      tiny_model_path: Path) -> None:
    workspace.load_adapter(tiny_lora_path)
    with pytest.raises(ModelError, match="is the loaded model itself"):
        workspace.load_adapter(tiny_model_path)
    assert workspace.adapter is not None and workspace.adapter.path == tiny_lora_path
    assert workspace.ask("Say hello.", ["finetuned"], None).answers[0].text


def test_swapping_the_model_drops_the_adapter_trained_for_the_old_one(
    workspace: Workspace, tiny_lora_path: Path, tiny_model_path: Path
) -> None:
    workspace.load_adapter(tiny_lora_path)
    workspace.load_model(str(tiny_model_path))
    assert workspace.adapter is None
    with pytest.raises(InputError, match="fine-tuned adapter"):
        workspace.ask("Say hello.", ["finetuned"], None)


def test_an_adapter_needs_a_model_first(tiny_lora_path: Path) -> None:
    with pytest.raises(ModelError, match="No model is loaded"):
        Workspace(SETTINGS).load_adapter(tiny_lora_path)


def test_an_adapter_whose_manifest_names_other_base_weights_is_refused_and_a_matching_one_loads(
    workspace: Workspace, tiny_lora_path: Path, tiny_model_path: Path, tmp_path: Path
) -> None:
    import json

    from crossroads.finetune.runs import model_sha256

    adapter = tmp_path / "kept" / "adapter.gguf"
    adapter.parent.mkdir()
    adapter.write_bytes(tiny_lora_path.read_bytes())
    manifest = adapter.parent / "run.json"
    manifest.write_text(json.dumps({"name": "kept", "base_model": "other.gguf", "base_sha256": "0" * 64}))
    with pytest.raises(ModelError, match=r"was trained for other\.gguf"):
        workspace.load_adapter(adapter)
    assert workspace.adapter is None

    manifest.write_text(json.dumps({"name": "kept", "base_model": tiny_model_path.name,
                                    "base_sha256": model_sha256(tiny_model_path)}))
    assert workspace.load_adapter(adapter).path == adapter


def test_a_whole_fine_tuned_model_loads_where_an_adapter_would_and_says_so(
    workspace: Workspace, tiny_model_path: Path, tmp_path: Path
) -> None:
    from engine.lora_fixture import write_finetuned_model

    finetuned = write_finetuned_model(tiny_model_path, tmp_path / "smollm2-acme.gguf")
    summary = workspace.load_adapter(finetuned)
    assert summary.kind == "model" and summary.name == "smollm2-acme"
    comparison = workspace.ask("Say hello.", ["plain", "finetuned"], None)
    assert comparison.answers[1].adapter == "smollm2-acme"
    assert comparison.answers[0].text != comparison.answers[1].text
