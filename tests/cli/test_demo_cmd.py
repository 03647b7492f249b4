"""``crossroads demo``: the bundled documents indexed once, then the scripted questions side by side."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import crossroads.demo
from crossroads.cli import main
from crossroads.config import kbs_dir
from crossroads.demo import DEMO_KB, demo_documents, demo_questions
from crossroads.store import KnowledgeBase


@pytest.mark.slow
def test_demo_builds_its_knowledge_base_and_answers_a_question_both_ways(
    tiny_model_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flags = ["--questions", "1", "--model", str(tiny_model_path), "--max-tokens", "8", "--context", "2048"]
    assert main(["demo", *flags]) == 0
    captured = capsys.readouterr()
    first = demo_questions()[0]
    assert f"### Question 1: {first.question}" in captured.out
    assert "Question 2" not in captured.out
    assert "== Model only ==" in captured.out and "== Model + your documents ==" in captured.out
    assert "Traceback" not in captured.err
    assert "Fine-tuned" not in captured.out  # the shipped adapter belongs to the default model, not this one
    with KnowledgeBase.open(kbs_dir() / DEMO_KB) as kb:
        indexed = {Path(d.path).name for d in kb.documents() if d.state == "indexed"}
    assert indexed == {p.name for p in demo_documents().iterdir()}


@pytest.mark.slow
def test_demo_adds_the_fine_tuned_columns_when_its_adapter_was_trained_on_the_model(
    tiny_model_path: Path, tiny_lora_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from crossroads.finetune.runs import MANIFEST, Manifest, model_sha256

    adapter = tmp_path / "adapter" / "brellvik-demo.gguf"
    adapter.parent.mkdir()
    shutil.copyfile(tiny_lora_path, adapter)
    manifest = Manifest(name="brellvik-demo", base_model=tiny_model_path.name,
                        base_sha256=model_sha256(tiny_model_path))
    (adapter.parent / MANIFEST).write_text(json.dumps(manifest.to_dict()), encoding="utf-8")
    monkeypatch.setattr(crossroads.demo, "demo_adapter", lambda: adapter)  # this model's adapter in the demo's place
    flags = ["--questions", "1", "--model", str(tiny_model_path), "--max-tokens", "8", "--context", "2048"]
    assert main(["demo", *flags]) == 0
    out = capsys.readouterr().out
    for label in ("Model only", "Model + your documents", "Fine-tuned", "Fine-tuned + documents"):
        assert f"== {label}" in out


def test_demo_drops_the_sample_documents_another_installation_indexed(
    tiny_model_path: Path, tmp_path: Path, embedder, capsys: pytest.CaptureFixture[str]
) -> None:
    old_copy = shutil.copytree(demo_documents(), tmp_path / "old-install" / "documents")
    with KnowledgeBase.open(kbs_dir() / DEMO_KB, create=True) as kb:
        kb.add_paths([old_copy], embedder)
    flags = ["--questions", "1", "--model", str(tiny_model_path), "--max-tokens", "4", "--context", "2048"]
    assert main(["demo", *flags]) == 0
    assert "Traceback" not in capsys.readouterr().err
    with KnowledgeBase.open(kbs_dir() / DEMO_KB) as kb:
        folders = {Path(d.path).parent for d in kb.documents()}
    assert folders == {demo_documents().resolve()}
