"""The demo's fine-tuned columns: the shipped adapter is offered only to the weights it was trained on."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from crossroads.demo import demo_adapter, demo_adapter_for, demo_questions
from crossroads.finetune.examples import overlap_with, read_jsonl
from crossroads.finetune.runs import MANIFEST, Manifest, model_sha256
from crossroads.models.catalog import load_catalog
from crossroads.models.gguf_info import read_gguf_info


def _adapter_with_manifest(source: Path, folder: Path, base_sha256: str | None) -> Path:
    folder.mkdir(parents=True)
    adapter = folder / "adapter.gguf"
    shutil.copyfile(source, adapter)
    if base_sha256 is not None:
        manifest = Manifest(name="demo", base_model="model.gguf", base_sha256=base_sha256)
        (folder / MANIFEST).write_text(json.dumps(manifest.to_dict()), encoding="utf-8")
    return adapter


def test_an_adapter_trained_on_these_weights_is_offered(tiny_model_path: Path, tiny_lora_path: Path,
                                                         tmp_path: Path) -> None:
    adapter = _adapter_with_manifest(tiny_lora_path, tmp_path / "fits", model_sha256(tiny_model_path))
    assert demo_adapter_for(tiny_model_path, adapter) == adapter


def test_other_weights_or_no_manifest_go_without_the_adapter(tiny_model_path: Path, tiny_lora_path: Path,
                                                              tmp_path: Path) -> None:
    other = _adapter_with_manifest(tiny_lora_path, tmp_path / "other", "0" * 64)
    unknown = _adapter_with_manifest(tiny_lora_path, tmp_path / "unknown", None)
    assert demo_adapter_for(tiny_model_path, other) is None
    assert demo_adapter_for(tiny_model_path, unknown) is None


def test_the_shipped_adapter_was_trained_on_the_default_model_and_never_on_the_demo_questions() -> None:
    adapter = demo_adapter()
    assert adapter is not None, "assets/demo/adapter/ must hold the adapter made by packaging/train_demo_adapter.py"
    assert read_gguf_info(adapter).metadata.get("general.type") == "adapter"
    assert adapter.stat().st_size < 40e6
    manifest = Manifest.from_dict(json.loads((adapter.parent / MANIFEST).read_text(encoding="utf-8")))
    default = load_catalog().default("chat")
    assert manifest.base_sha256 == default.sha256
    assert manifest.steps > 0 and manifest.verified is not False
    trained = read_jsonl(adapter.parent / "train.jsonl") + read_jsonl(adapter.parent / "validation.jsonl")
    assert len(trained) == manifest.data["train"] + manifest.data["validation"]
    assert overlap_with(trained, [q.question for q in demo_questions()]) == []

