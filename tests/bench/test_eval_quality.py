"""The quality harness: a stopped run of the full SQuAD set is a random sample, and is never resumed by another
pipeline."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def settings(**changed: object) -> argparse.Namespace:
    values = {"top_k": 5, "focus_tokens": None, "max_tokens": 256, "seed": 42, "prompt_variant": None}
    return argparse.Namespace(**{**values, **changed})


def test_the_full_squad_set_is_asked_in_a_fixed_random_order_so_a_stopped_run_is_a_sample(harness) -> None:
    in_file = [json.loads(line)["question"]
               for line in (REPO / "bench/data/squad-superbowl50/qa.jsonl").read_text(encoding="utf-8").splitlines()]
    full = [item.question for item in harness.squad_set(None, 42).items]
    assert sorted(full) == sorted(in_file) and len(full) == 810
    assert full != in_file  # the file goes paragraph by paragraph: its first 100 questions cover a few paragraphs
    assert full == [item.question for item in harness.squad_set(None, 42).items]
    sample = [item.question for item in harness.squad_set(60, 42).items]
    assert len(sample) == 60 and sample == [item.question for item in harness.squad_set(60, 42).items]


def test_the_pipeline_fingerprint_follows_the_settings_that_decide_an_answer(harness) -> None:
    base = harness.pipeline_fingerprint(settings())
    assert harness.pipeline_fingerprint(settings()) == base
    assert harness.pipeline_fingerprint(settings(focus_tokens=0)) != base
    assert harness.pipeline_fingerprint(settings(chunk_tokens=150)) != base
    assert harness.pipeline_fingerprint(settings(prompt_variant="exact-span")) != base
    assert harness.pipeline_fingerprint(settings(top_k=3)) != base


def test_the_pipeline_fingerprint_follows_the_answering_code(harness, monkeypatch: pytest.MonkeyPatch,
                                                            tmp_path: Path) -> None:
    for part in harness.ANSWER_CODE:
        source = REPO / part
        for file in source.rglob("*.py") if source.is_dir() else [source]:
            target = tmp_path / file.relative_to(REPO)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(file.read_bytes())
    package = tmp_path / "desktop" / "crossroads"
    monkeypatch.setattr(harness, "REPO", tmp_path)
    base = harness.pipeline_fingerprint(settings())
    assert base == harness.pipeline_fingerprint(settings())
    prompting = package / "rag" / "prompting.py"
    prompting.write_text(prompting.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert harness.pipeline_fingerprint(settings()) != base
    (package / "store" / "postgres").mkdir(exist_ok=True)
    changed = harness.pipeline_fingerprint(settings())
    (package / "store" / "postgres" / "extra.py").write_text("# a shared server's code answers nothing here\n")
    assert harness.pipeline_fingerprint(settings()) == changed


def test_resuming_a_file_of_another_pipeline_is_refused_before_any_work(harness, tmp_path: Path,
                                                                         tiny_model_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    from crossroads.models.catalog import display_name_for

    out = tmp_path / "squad.json"
    kept = {"model": display_name_for(tiny_model_path), "pipeline": "0" * 16, "sets": {"squad": {"ours/rag": []}}}
    out.write_text(json.dumps(kept), encoding="utf-8")
    with pytest.raises(SystemExit):
        harness.main(["--sets", "squad", "--model", str(tiny_model_path), "--out", str(out), "--resume",
                      "--work", str(tmp_path / "work")])
    assert "holds answers of another pipeline" in capsys.readouterr().err
    assert json.loads(out.read_text(encoding="utf-8")) == kept  # nothing lost
    assert not (tmp_path / "work" / "kb-squad").exists()


def test_prompt_variants_change_only_what_they_name(harness) -> None:
    from crossroads.rag.prompting import SourceText, rag_prompt

    sources = [SourceText(1, "a", "Alpha text.", "A.md › One"), SourceText(2, "b", "Beta text."),
               SourceText(3, "c", "Gamma text.", "C.md › Three")]
    built = rag_prompt("Who?", sources, lambda text: len(text) // 4, 2_000)
    last = harness.PROMPT_VARIANTS["best-last"]("Who?", built.messages)
    assert last[0] == built.messages[0]
    assert last[-1].content.split("Sources:\n")[1] == (
        "[1] C.md › Three\nGamma text.\n\n[2] Beta text.\n\n[3] A.md › One\nAlpha text.\n\nQuestion: Who?\nAnswer:")
    assert [m.role for m in harness.PROMPT_VARIANTS["no-system"]("Who?", built.messages)] == ["user"]
    helpful = harness.PROMPT_VARIANTS["helpful-system"]("Who?", built.messages)
    assert helpful[0].content == "You are a helpful assistant." and helpful[1:] == built.messages[1:]
    two = harness.PROMPT_VARIANTS["two-sources"]("Who?", built.messages)
    assert two[-1].content.split("Sources:\n")[1] == (
        "[1] A.md › One\nAlpha text.\n\n[2] Beta text.\n\nQuestion: Who?\nAnswer:")


def test_the_sentence_lines_variant_puts_each_source_sentence_on_a_line_of_its_own(harness) -> None:
    from crossroads.rag.prompting import SourceText, rag_prompt

    sources = [SourceText(1, "a", "Kubiak coached Denver. Rivera coached\nthe Panthers in 2015.", "Guide.md › Coaches")]
    built = rag_prompt("Who coached Denver?", sources, lambda text: len(text) // 4, 2_000)
    lines = harness.PROMPT_VARIANTS["sentence-lines"]("Who coached Denver?", built.messages)
    assert lines[:-1] == built.messages[:-1]
    assert lines[-1].content.split("Sources:\n")[1] == (
        "[1] Guide.md › Coaches\nKubiak coached Denver.\nRivera coached the Panthers in 2015.\n\n"
        "Question: Who coached Denver?\nAnswer:")
