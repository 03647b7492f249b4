"""Kept adapters: manifest, list, rename, delete, and the refusal of an adapter made for other weights."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossroads.errors import InputError, ModelError
from crossroads.finetune import runs


def _keep(name: str, model: Path, tmp_path: Path) -> runs.AdapterRun:
    gguf = tmp_path / f"{name}.gguf"
    gguf.write_bytes(b"GGUF adapter bytes")
    manifest = runs.Manifest(name=name, base_model=model.name, base_sha256=runs.model_sha256(model),
                             settings={"rank": 8}, steps=3, train_losses=[[1, 2.0]])
    return runs.save_run(name, gguf, manifest)


def test_a_kept_adapter_is_listed_with_its_manifest(tmp_path: Path, tiny_model_path: Path) -> None:
    kept = _keep("acme", tiny_model_path, tmp_path)
    assert kept.adapter_path == runs.adapters_dir() / "acme" / "adapter.gguf"
    assert (kept.folder / "run.json").is_file()
    [listed] = runs.list_runs()
    assert listed.name == "acme" and listed.manifest.steps == 3 and listed.manifest.created


def test_rename_and_delete(tmp_path: Path, tiny_model_path: Path) -> None:
    _keep("acme", tiny_model_path, tmp_path)
    _keep("other", tiny_model_path, tmp_path)
    with pytest.raises(InputError, match="already exists"):
        runs.rename_run("acme", "other")
    renamed = runs.rename_run("acme", "acme v2")
    assert renamed.manifest.name == "acme v2" and runs.load_run("acme v2").adapter_path.is_file()
    runs.delete_run("acme v2")
    assert [r.name for r in runs.list_runs()] == ["other"]
    with pytest.raises(InputError, match="no adapter"):
        runs.delete_run("acme v2")
    with pytest.raises(InputError):
        runs.check_name("../escape")


def test_an_adapter_for_other_weights_is_refused_with_the_reason(tmp_path: Path, tiny_model_path: Path) -> None:
    from tests.conftest import write_gguf_with_string

    kept = _keep("acme", tiny_model_path, tmp_path)
    runs.check_base(kept, tiny_model_path)
    other = write_gguf_with_string(tiny_model_path, tmp_path / "other.gguf", "general.name", "Another model")
    with pytest.raises(ModelError, match="was trained for SmolLM2-135M-Instruct"):
        runs.check_base(kept, other)
