"""``crossroads ask`` and ``crossroads eval`` with ``--adapter``: the fine-tuned modes beside the others."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crossroads.cli import main

QUESTION = "Where do staff park?"


@pytest.fixture
def model_flags(tiny_model_path: Path) -> list[str]:
    return ["--model", str(tiny_model_path), "--context", "2048", "--threads", "2", "--max-tokens", "10"]


def single_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and lines[0].startswith("crossroads: ")
    return lines[0]


def test_ask_with_an_adapter_and_a_kb_answers_in_all_four_modes_by_default(
    policy_kb_dir: Path, tiny_lora_path: Path, model_flags: list[str], capfd: pytest.CaptureFixture[str]
) -> None:
    code = main(["ask", QUESTION, "--kb", str(policy_kb_dir), "--adapter", str(tiny_lora_path), "--json",
                 *model_flags])
    data = json.loads(capfd.readouterr().out)
    assert code == 0
    assert [a["mode"] for a in data["answers"]] == ["plain", "rag", "finetuned", "finetuned+rag"]
    assert [a["adapter"] for a in data["answers"]] == [None, None, "tiny-lora", "tiny-lora"]
    assert data["adapter"]["path"] == str(tiny_lora_path)
    plain, _, tuned, _ = data["answers"]
    assert tuned["text"] != plain["text"]


def test_ask_prints_the_fine_tuned_column_under_its_label_with_the_adapter_name(
    tiny_lora_path: Path, model_flags: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", QUESTION, "--modes", "plain,finetuned", "--adapter", str(tiny_lora_path),
                 *model_flags]) == 0
    out = capsys.readouterr().out
    assert "== Model only ==" in out and "== Fine-tuned (tiny-lora) ==" in out


def test_fine_tuned_modes_without_adapter_are_refused_before_the_model_loads(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    missing_model = ["--model", str(tmp_path / "no-such-model.gguf")]
    assert main(["ask", QUESTION, "--modes", "plain,finetuned", *missing_model]) == 2
    line = single_error_line(capfd.readouterr().err)
    assert "fine-tuned adapter" in line and "--adapter" in line


def test_a_file_that_is_not_an_adapter_is_refused_before_the_model_loads(
    tmp_path: Path, tiny_model_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not an adapter\n", encoding="utf-8")
    missing_model = ["--model", str(tmp_path / "no-such-model.gguf")]
    assert main(["ask", QUESTION, "--adapter", str(notes), *missing_model]) == 2
    assert "notes.txt is not a GGUF file" in single_error_line(capfd.readouterr().err)
    assert main(["ask", QUESTION, "--adapter", str(tiny_model_path), *missing_model]) == 2
    assert "is a whole model, not an adapter" in single_error_line(capfd.readouterr().err)


def test_eval_with_an_adapter_scores_the_fine_tuned_modes(
    tmp_path: Path, policy_kb_dir: Path, tiny_lora_path: Path, model_flags: list[str],
    capfd: pytest.CaptureFixture[str]
) -> None:
    questions = tmp_path / "qa.jsonl"
    questions.write_text(json.dumps({"question": QUESTION, "answers": ["lot K7"]}) + "\n", encoding="utf-8")
    code = main(["eval", str(questions), "--kb", str(policy_kb_dir), "--adapter", str(tiny_lora_path),
                 "--modes", "rag,finetuned+rag", "--json", *model_flags])
    data = json.loads(capfd.readouterr().out)
    assert code == 0
    assert data["modes"] == ["rag", "finetuned+rag"] and set(data["summary"]) == {"rag", "finetuned+rag"}
    assert data["adapter"] == str(tiny_lora_path)
    assert [a["adapter"] for a in data["questions"][0]["answers"]] == [None, "tiny-lora"]


def test_eval_table_fits_the_longest_mode_name(
    tmp_path: Path, tiny_lora_path: Path, model_flags: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    questions = tmp_path / "qa.jsonl"
    questions.write_text(json.dumps({"question": QUESTION}) + "\n", encoding="utf-8")
    assert main(["eval", str(questions), "--adapter", str(tiny_lora_path), *model_flags]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0].startswith("mode ") and rows[1].startswith("plain ") and rows[2].startswith("finetuned ")


def _keep(adapter: Path, name: str, base_sha256: str) -> None:
    from crossroads.finetune.runs import Manifest, save_run

    save_run(name, adapter, Manifest(name=name, base_model="SmolLM2-135M-Instruct.Q4_1.gguf", base_sha256=base_sha256))


def test_a_kept_adapter_is_named_rather_than_given_as_a_file(
    tiny_lora_path: Path, tiny_model_path: Path, model_flags: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    from crossroads.finetune.runs import model_sha256

    _keep(tiny_lora_path, "handbook", model_sha256(tiny_model_path))
    assert main(["ask", QUESTION, "--modes", "plain,finetuned", "--adapter", "handbook", *model_flags]) == 0
    assert "== Fine-tuned (handbook) ==" in capsys.readouterr().out


def test_a_kept_adapter_trained_on_another_model_is_refused_before_the_model_loads(
    tiny_lora_path: Path, model_flags: list[str], capfd: pytest.CaptureFixture[str]
) -> None:
    _keep(tiny_lora_path, "other-base", "0" * 64)
    assert main(["ask", QUESTION, "--modes", "finetuned", "--adapter", "other-base", *model_flags]) == 2
    line = single_error_line(capfd.readouterr().err)
    assert "other-base" in line and "trained for" in line


def test_an_unknown_adapter_name_is_refused_plainly(model_flags: list[str], capfd: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", QUESTION, "--modes", "finetuned", "--adapter", "nosuch", *model_flags]) == 2
    assert "no adapter called “nosuch”" in single_error_line(capfd.readouterr().err)


def test_an_adapter_file_whose_manifest_names_other_weights_is_refused_with_both_models(
    tmp_path: Path, tiny_lora_path: Path, model_flags: list[str], capfd: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "copied-run"
    folder.mkdir()
    adapter = folder / "adapter.gguf"
    adapter.write_bytes(tiny_lora_path.read_bytes())
    manifest = {"name": "copied-run", "base_model": "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", "base_sha256": "ab" * 32}
    (folder / "run.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert main(["ask", QUESTION, "--modes", "finetuned", "--adapter", str(adapter), *model_flags]) == 2
    line = single_error_line(capfd.readouterr().err)
    assert "was trained for qwen2.5-coder-0.5b-instruct-q4_k_m.gguf" in line and "SmolLM2" in line


def test_a_whole_fine_tuned_model_answers_the_fine_tuned_modes_on_the_command_line(
    tmp_path: Path, policy_kb_dir: Path, tiny_model_path: Path, model_flags: list[str],
    capfd: pytest.CaptureFixture[str]
) -> None:
    from engine.lora_fixture import write_finetuned_model

    finetuned = write_finetuned_model(tiny_model_path, tmp_path / "smollm2-acme.gguf")
    code = main(["ask", QUESTION, "--kb", str(policy_kb_dir), "--finetuned-model", str(finetuned), "--json",
                 *model_flags])
    data = json.loads(capfd.readouterr().out)
    assert code == 0
    assert [a["mode"] for a in data["answers"]] == ["plain", "rag", "finetuned", "finetuned+rag"]
    assert data["answers"][2]["adapter"] == "smollm2-acme"


def test_wrong_fine_tuned_model_flags_get_one_clear_line(
    tmp_path: Path, tiny_lora_path: Path, tiny_model_path: Path, model_flags: list[str],
    capfd: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", QUESTION, "--finetuned-model", str(tiny_lora_path), *model_flags]) == 2
    assert "is an adapter, not a whole model" in single_error_line(capfd.readouterr().err)
    assert main(["ask", QUESTION, "--finetuned-model", str(tiny_model_path), *model_flags]) == 2
    assert "is the loaded model itself" in single_error_line(capfd.readouterr().err)
    with pytest.raises(SystemExit) as exited:  # argparse: the two flags exclude each other
        main(["ask", QUESTION, "--adapter", str(tiny_lora_path), "--finetuned-model", str(tiny_model_path)])
    assert exited.value.code == 2
    assert "not allowed with argument" in capfd.readouterr().err
