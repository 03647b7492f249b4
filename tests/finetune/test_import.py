"""Importing what a GPU trainer gives back: a real PEFT folder (saved by PEFT as Axolotl and LLaMA-Factory save it)
becomes a kept GGUF adapter that llama.cpp applies the way torch does; wrong adapters are refused in words."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest
from tests.engine.lora_fixture import write_finetuned_model, write_lora
from tests.finetune.conftest import CHECK_QUESTION
from tests.finetune.peft_fixture import write_peft_adapter

from crossroads.cli import main
from crossroads.errors import CrossroadsError, InputError, ModelError
from crossroads.finetune import runs
from crossroads.finetune.adapter_gguf import scale_factor
from crossroads.finetune.import_adapter import import_result

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def peft_run(tmp_path_factory: pytest.TempPathFactory, tiny_model_path: Path):  # type: ignore[no-untyped-def]
    """(PEFT model, tokenizer, folder): a real PEFT LoRA on the tiny model, saved with PEFT's own save_pretrained."""
    folder = tmp_path_factory.mktemp("gpu-output") / "crossroads-lora"
    model, tokenizer = write_peft_adapter(tiny_model_path, folder)
    return model, tokenizer, folder


def copy_with(folder: Path, target: Path, **config_changes: object) -> Path:
    shutil.copytree(folder, target)
    config = json.loads((target / "adapter_config.json").read_text(encoding="utf-8"))
    config.update(config_changes)
    (target / "adapter_config.json").write_text(json.dumps(config), encoding="utf-8")
    return target


def test_a_peft_folder_becomes_a_kept_adapter_llama_cpp_applies_as_torch_does(peft_run, tiny_model_path: Path,
                                                                               ) -> None:  # type: ignore[no-untyped-def]
    from crossroads.finetune.check import check_adapter
    from crossroads.rag.prompting import SYSTEM_MESSAGE

    model, tokenizer, folder = peft_run
    keys = json.loads((folder / "adapter_config.json").read_text(encoding="utf-8"))
    assert keys["peft_type"] == "LORA" and (folder / "adapter_model.safetensors").is_file()
    imported = import_result(folder, tiny_model_path, "gpu box")
    assert imported.kind == "adapter" and imported.run is not None
    assert imported.path == runs.load_run("gpu box").adapter_path
    assert imported.run.manifest.base_sha256 == runs.model_sha256(tiny_model_path)
    assert imported.run.manifest.data == {"imported_from": "crossroads-lora"}
    parity, per_question = check_adapter(model, tokenizer, tiny_model_path, imported.path, [CHECK_QUESTION],
                                         SYSTEM_MESSAGE, 16, 1)
    assert parity.ok, parity.reason
    assert parity.effect_to_gap > 1.0  # the adapter moves the answer more than quantisation does: it changes it
    assert per_question[0]["peft"]


def test_the_cli_imports_and_ask_answers_with_the_adapter_by_name(peft_run, tiny_model_path: Path,
                                                                  capsys: pytest.CaptureFixture[str],
                                                                  ) -> None:  # type: ignore[no-untyped-def]
    _, _, folder = peft_run
    code = main(["finetune", "import", str(folder), "--model", str(tiny_model_path), "--name", "axolotl run",
                 "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    result = json.loads(captured.out)
    assert result["kind"] == "adapter" and result["name"] == "axolotl run" and Path(result["adapter"]).is_file()
    assert main(["ask", "Who founded Zorblax Corporation?", "--modes", "plain,finetuned", "--adapter", "axolotl run",
                 "--model", str(tiny_model_path), "--threads", "1", "--max-tokens", "12", "--json"]) == 0
    answers = json.loads(capsys.readouterr().out)["answers"]
    assert [a["mode"] for a in answers] == ["plain", "finetuned"] and answers[1]["adapter"] == "axolotl run"


def test_an_adapter_for_another_model_is_refused(peft_run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from crossroads.models.catalog import load_catalog

    _, _, folder = peft_run
    other = load_catalog().get("qwen2.5-coder-0.5b-instruct")
    if not other.is_present():
        pytest.skip("the qwen model is not pulled")
    with pytest.raises(ModelError, match="a qwen2 model with 24 blocks"):
        import_result(folder, other.local_path(), "wrong")
    assert not runs.run_folder("wrong").exists()


def test_a_lora_of_another_size_is_refused_by_its_shapes(peft_run, tmp_path: Path,
                                                        tiny_model_path: Path) -> None:  # type: ignore[no-untyped-def]
    from safetensors.torch import load_file, save_file

    _, _, folder = peft_run
    target = copy_with(folder, tmp_path / "narrow")
    tensors = load_file(str(target / "adapter_model.safetensors"))
    key = "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"
    tensors[key] = tensors[key][:, :512].contiguous()  # a model with 512 hidden units, not 576
    save_file(tensors, str(target / "adapter_model.safetensors"))
    with pytest.raises(ModelError, match="another size"):
        import_result(target, tiny_model_path, "narrow")
    assert not runs.run_folder("narrow").exists()


@pytest.mark.parametrize(("changes", "message"), [
    ({"use_dora": True}, "DoRA"),
    ({"modules_to_save": ["embed_tokens", "lm_head"]}, "embeddings or the output layer"),
    ({"target_modules": ["q_proj", "embed_tokens"]}, "embed_tokens"),
    ({"bias": "lora_only"}, "biases"),
    ({"peft_type": "IA3"}, "IA3"),
])
def test_adapters_llama_cpp_cannot_apply_are_refused_in_words(peft_run, tmp_path: Path, tiny_model_path: Path,
                                                             changes: dict, message: str,
                                                             ) -> None:  # type: ignore[no-untyped-def, type-arg]
    _, _, folder = peft_run
    target = copy_with(folder, tmp_path / "odd", **changes)
    with pytest.raises(CrossroadsError, match=message):
        import_result(target, tiny_model_path, "odd")


def test_missing_files_are_named(peft_run, tmp_path: Path, tiny_model_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, _, folder = peft_run
    with pytest.raises(InputError, match="nothing at"):
        import_result(tmp_path / "nowhere", tiny_model_path)
    (tmp_path / "out" / "checkpoint-40").mkdir(parents=True)
    with pytest.raises(InputError, match=r"no adapter_config\.json.*checkpoint-40"):
        import_result(tmp_path / "out", tiny_model_path)
    target = copy_with(folder, tmp_path / "half")
    (target / "adapter_model.safetensors").unlink()
    with pytest.raises(InputError, match="weights are missing"):
        import_result(target, tiny_model_path)


def test_a_gguf_adapter_is_kept_and_a_whole_gguf_is_routed(tmp_path: Path, tiny_model_path: Path) -> None:
    adapter = write_lora(tiny_model_path, tmp_path / "made-elsewhere.gguf")
    kept = import_result(adapter, tiny_model_path)
    assert kept.kind == "adapter" and kept.run is not None and kept.run.name == "made-elsewhere"
    whole = write_finetuned_model(tiny_model_path, tmp_path / "merged.gguf")
    routed = import_result(whole, tiny_model_path)
    assert routed.kind == "model" and routed.run is None and routed.path == whole


def test_peft_scales_llama_cpp_cannot_express_are_folded_into_lora_b() -> None:
    plain = {"lora_alpha": 16}
    assert scale_factor(plain, "model.layers.0.self_attn.q_proj", 8) == 1.0
    assert scale_factor({**plain, "use_rslora": True}, "model.layers.0.self_attn.q_proj", 8) == pytest.approx(
        math.sqrt(8))
    pattern = {**plain, "alpha_pattern": {"q_proj": 32}}
    assert scale_factor(pattern, "model.layers.0.self_attn.q_proj", 8) == pytest.approx(2.0)
    assert scale_factor(pattern, "model.layers.0.self_attn.v_proj", 8) == 1.0
