"""The export for a GPU trainer: files Axolotl and LLaMA-Factory read as they are, the laptop run's split kept.

The expected keys and values are the trainers' documented schema, as looked up for this module:
- Axolotl: docs/config.qmd and docs/config-reference.qmd (base_model and learning_rate required; datasets entries
  with path, ds_type, type; ``chat_template`` datasets with field_messages, message_property_mappings,
  roles_to_train, train_on_eos in all/turn/last; test_datasets or val_set_size, not both; lora_r, lora_alpha
  (integer), lora_dropout, lora_target_modules; sequence_len, micro_batch_size, num_epochs, output_dir) and
  docs/dataset-formats/conversation.qmd (OpenAI-style ``{"role", "content"}`` messages).
- LLaMA-Factory: data/README.md ("OpenAI Format": formatting sharegpt, columns.messages, tags role_tag/content_tag/
  user_tag/assistant_tag/system_tag; file_name relative to dataset_dir), examples/train_lora/*_lora_sft.yaml and its
  hparams (stage in pt/sft/rm/ppo/dpo/kto, finetuning_type in lora/oft/freeze/full, lora_rank, lora_alpha integer,
  lora_target a comma-separated string, dataset/eval_dataset names of dataset_info.json, template, cutoff_len).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from crossroads.errors import InputError
from crossroads.finetune import trainer_configs as tc
from crossroads.finetune.examples import TrainingExample, split
from crossroads.finetune.export import (
    LLAMA_FACTORY_FILE,
    BaseModelRef,
    base_model_ref,
    chat_row,
    hf_model_id,
    write_export,
)
from crossroads.finetune.plan import TrainSettings

SYSTEM = "Answer from the documents."
AXOLOTL_EOS = {"all", "turn", "last"}
LLAMA_FACTORY_STAGES = {"pt", "sft", "rm", "ppo", "dpo", "kto"}
LLAMA_FACTORY_TYPES = {"lora", "oft", "freeze", "full"}
PROJECTIONS = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}
NEVER_ADAPTED = {"embed_tokens", "lm_head"}


def examples() -> list[TrainingExample]:
    pairs = [TrainingExample(f"What is rule {i} of the Zorbanian handbook?", f"Rule {i} says to file form Z-{i}.",
                             "generated") for i in range(12)]
    text = TrainingExample("", "The Zorbanian travel allowance is 73 florins per day for every employee abroad.",
                           "passage")
    return [*pairs, text, TrainingExample("What is the capital of France?", "Paris.", "general")]


@pytest.fixture
def exported(tmp_path: Path, tiny_model_path: Path):  # type: ignore[no-untyped-def]
    return write_export(tmp_path / "gpu", examples(), TrainSettings(), base_model_ref(tiny_model_path), SYSTEM,
                        eval_questions=["What is rule 3 of the Zorbanian handbook?"])


def read_rows(path: Path) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_catalog_gives_the_hugging_face_id_trainers_load(tiny_model_path: Path) -> None:
    assert hf_model_id(tiny_model_path) == "HuggingFaceTB/SmolLM2-135M-Instruct"
    assert base_model_ref(tiny_model_path).architecture == "llama"


def test_chat_rows_are_system_user_assistant_messages(exported) -> None:  # type: ignore[no-untyped-def]
    for name in ("train.jsonl", "validation.jsonl"):
        for row in read_rows(exported.folder / "data" / name):
            assert list(row) == ["messages"]
            assert [m["role"] for m in row["messages"]] == ["system", "user", "assistant"]
            assert all(isinstance(m["content"], str) and m["content"] for m in row["messages"])
            assert row["messages"][0]["content"] == SYSTEM
    assert chat_row(TrainingExample("Q?", "A."))["messages"] == [{"role": "user", "content": "Q?"},
                                                                 {"role": "assistant", "content": "A."}]


def test_the_held_out_share_is_the_laptop_runs_and_never_in_the_training_file(exported) -> None:  # type: ignore[no-untyped-def]
    train_rows = read_rows(exported.folder / "data" / "train.jsonl")
    held_rows = read_rows(exported.folder / "data" / "validation.jsonl")
    train_q = {r["messages"][1]["content"] for r in train_rows}
    held_q = {r["messages"][1]["content"] for r in held_rows}
    assert held_q and not train_q & held_q
    laptop_train, laptop_held = split(examples(), 0.15, TrainSettings().seed)
    assert held_q == {e.question for e in laptop_held if not e.is_text}
    assert train_q == {e.question for e in laptop_train if not e.is_text}
    passages = read_rows(exported.folder / "data" / "passages_train.jsonl") if any(
        e.is_text for e in laptop_train) else read_rows(exported.folder / "data" / "passages_validation.jsonl")
    assert passages == [{"text": examples()[12].answer}]


def test_axolotl_config_carries_the_documented_keys_and_values(exported) -> None:  # type: ignore[no-untyped-def]
    config = yaml.safe_load((exported.folder / "axolotl.yaml").read_text(encoding="utf-8"))
    assert config["base_model"] == "HuggingFaceTB/SmolLM2-135M-Instruct"
    assert isinstance(config["learning_rate"], float) and config["learning_rate"] == pytest.approx(2e-4)
    assert config["adapter"] == "lora"
    assert set(config["lora_target_modules"]) <= PROJECTIONS and not NEVER_ADAPTED & set(config["lora_target_modules"])
    assert isinstance(config["lora_r"], int) and isinstance(config["lora_alpha"], int) and config["lora_alpha"] == 16
    for key in ("sequence_len", "micro_batch_size"):
        assert isinstance(config[key], int) and config[key] > 0
    assert config["num_epochs"] > 0 and isinstance(config["output_dir"], str)
    assert not ("test_datasets" in config and "val_set_size" in config)
    chat = [d for d in config["datasets"] if d["type"] == "chat_template"]
    assert len(chat) == 1
    assert chat[0]["ds_type"] == "json" and chat[0]["field_messages"] == "messages"
    assert chat[0]["message_property_mappings"] == {"role": "role", "content": "content"}
    assert chat[0]["roles_to_train"] == ["assistant"] and chat[0]["train_on_eos"] in AXOLOTL_EOS
    for dataset in [*config["datasets"], *config["test_datasets"]]:
        assert (exported.folder / dataset["path"]).is_file()
        assert dataset["type"] in ("chat_template", "completion")
    assert {d["path"] for d in config["test_datasets"]} >= {"data/validation.jsonl"}
    assert all(d["split"] == "train" for d in config["test_datasets"])


def test_llama_factory_config_and_dataset_info_match_its_documented_schema(exported) -> None:  # type: ignore[no-untyped-def]
    config = yaml.safe_load((exported.folder / "llama_factory.yaml").read_text(encoding="utf-8"))
    assert config["model_name_or_path"] == "HuggingFaceTB/SmolLM2-135M-Instruct"
    assert config["stage"] in LLAMA_FACTORY_STAGES and config["stage"] == "sft" and config["do_train"] is True
    assert config["finetuning_type"] in LLAMA_FACTORY_TYPES and config["finetuning_type"] == "lora"
    targets = config["lora_target"].split(",")
    assert set(targets) <= PROJECTIONS and not NEVER_ADAPTED & set(targets)
    assert isinstance(config["lora_rank"], int) and isinstance(config["lora_alpha"], int)
    assert config["template"] == "smollm2" and isinstance(config["cutoff_len"], int)
    info_path = exported.folder / config["dataset_dir"] / "dataset_info.json"
    info = json.loads(info_path.read_text(encoding="utf-8"))
    for name in (config["dataset"], config["eval_dataset"]):
        entry = info[name]
        assert entry["formatting"] == "sharegpt" and entry["columns"] == {"messages": "messages"}
        assert entry["tags"] == {"role_tag": "role", "content_tag": "content", "user_tag": "user",
                                 "assistant_tag": "assistant", "system_tag": "system"}
        assert (info_path.parent / entry["file_name"]).is_file()
    assert info[config["eval_dataset"]]["file_name"] == "validation.jsonl"


def test_an_evaluation_question_in_the_data_is_said_not_hidden(exported) -> None:  # type: ignore[no-untyped-def]
    assert exported.overlap == ["What is rule 3 of the Zorbanian handbook?"]
    readme = (exported.folder / "README.txt").read_text(encoding="utf-8")
    assert "WARNING: 1 training question(s) are also in the evaluation set" in readme
    assert "What is rule 3 of the Zorbanian handbook?" in readme
    manifest = json.loads((exported.folder / "crossroads_export.json").read_text(encoding="utf-8"))
    assert manifest["evaluation_overlap"] == exported.overlap


def test_the_readme_gives_each_trainers_command_and_the_way_back(exported) -> None:  # type: ignore[no-untyped-def]
    readme = (exported.folder / "README.txt").read_text(encoding="utf-8")
    assert "axolotl train axolotl.yaml" in readme and "llamafactory-cli train llama_factory.yaml" in readme
    assert "crossroads finetune import OUTPUT_FOLDER --model smollm2-135m-instruct" in readme


def test_an_unknown_model_gets_a_placeholder_the_readme_asks_to_fill(tmp_path: Path) -> None:
    base = BaseModelRef(None, "client-7b.Q4_K_M.gguf", "llama")
    out = write_export(tmp_path / "gpu", examples(), TrainSettings(learning_rate=1e-5), base,
                       trainers=["axolotl"])
    config = yaml.safe_load((out.folder / "axolotl.yaml").read_text(encoding="utf-8"))
    assert config["base_model"] == tc.PLACEHOLDER_MODEL
    assert config["learning_rate"] == pytest.approx(1e-5)  # written out, not as a YAML 1.1 string "1e-05"
    assert f"replace {tc.PLACEHOLDER_MODEL}" in (out.folder / "README.txt").read_text(encoding="utf-8")
    assert not (out.folder / "llama_factory.yaml").exists()


def test_llama_factory_reads_the_tokenizers_template_for_models_it_has_no_name_for() -> None:
    config = tc.llama_factory_config("acme/Client-7B", TrainSettings(), False, 1024, 2)
    assert config["template"] is None and "eval_dataset" not in config
    assert yaml.safe_load(tc.to_yaml(config))["template"] is None


def test_refusals_are_in_words(tmp_path: Path, tiny_model_path: Path) -> None:
    base = base_model_ref(tiny_model_path)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(InputError, match="not empty"):
        write_export(tmp_path / "busy", examples(), TrainSettings(), base)
    with pytest.raises(InputError, match="Unknown trainer unsloth"):
        write_export(tmp_path / "new", examples(), TrainSettings(), base, trainers=["unsloth"])
    with pytest.raises(InputError, match="all general"):
        write_export(tmp_path / "new", [TrainingExample("Q?", "A.", "general")], TrainSettings(), base)


def test_a_write_error_is_one_message_and_leaves_the_folder_as_it_was(tmp_path: Path, tiny_model_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    base = base_model_ref(tiny_model_path)
    real_write = Path.write_text

    def disk_full(self: Path, *args: object, **kwargs: object) -> int:
        if self.name == LLAMA_FACTORY_FILE:  # fault: the disk fills up after the data files are written
            raise OSError(28, "No space left on device")
        return real_write(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "write_text", disk_full)
    (tmp_path / "empty").mkdir()
    for folder in (tmp_path / "empty", tmp_path / "new"):
        with pytest.raises(InputError, match=r"could not be written.*No space left on device"):
            write_export(folder, examples(), TrainSettings(), base)
    assert (tmp_path / "empty").is_dir() and not any((tmp_path / "empty").iterdir())
    assert not (tmp_path / "new").exists()
    monkeypatch.undo()
    assert write_export(tmp_path / "empty", examples(), TrainSettings(), base).train > 0, "a retry is not refused"


def test_passages_alone_are_refused_without_leaving_files_behind(tmp_path: Path, tiny_model_path: Path) -> None:
    text = TrainingExample("", "The Zorbanian travel allowance is 73 florins per day.", "passage")
    with pytest.raises(InputError, match="passages alone"):
        write_export(tmp_path / "only-text", [text] * 4, TrainSettings(), base_model_ref(tiny_model_path))
    assert not (tmp_path / "only-text").exists()


def test_a_cancelled_export_leaves_nothing(tmp_path: Path, tiny_model_path: Path) -> None:
    from crossroads.cancel import CancelToken
    from crossroads.errors import Cancelled

    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        write_export(tmp_path / "stopped", examples(), TrainSettings(), base_model_ref(tiny_model_path), cancel=token)
    assert not (tmp_path / "stopped").exists()
