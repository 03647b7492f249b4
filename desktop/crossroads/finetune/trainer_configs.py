"""The configuration files two established GPU trainers read as they are: Axolotl's YAML, LLaMA-Factory's YAML and
its ``dataset_info.json`` entry. Field names are the trainers' documented ones; values come from the laptop run's
settings, so a run on a GPU box trains what the laptop would have, only bigger and faster.

The YAML is written by a small emitter (flat keys, lists, lists of mappings, JSON-quoted strings), so no YAML
library is needed to export; strings quoted as JSON are valid YAML scalars.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from crossroads.finetune.plan import TARGET_MODULES, TrainSettings

AXOLOTL = "axolotl"
LLAMA_FACTORY = "llama-factory"
TRAINERS = (AXOLOTL, LLAMA_FACTORY)
PLACEHOLDER_MODEL = "FILL-IN/hugging-face-model-id"
TRAIN_SET = "crossroads_train"  # LLaMA-Factory dataset names (keys of dataset_info.json)
VALIDATION_SET = "crossroads_validation"
PASSAGES_SET = "crossroads_passages"
AXOLOTL_OUTPUT = "./outputs/crossroads-lora"
LLAMA_FACTORY_OUTPUT = "saves/crossroads-lora"
# LLaMA-Factory template names for the model families the catalog knows; any other model gets ``template: null``,
# which makes LLaMA-Factory read the tokenizer's own chat template (the one Crossroads answers with).
_LLAMA_FACTORY_TEMPLATES = (("Qwen/Qwen2.5", "qwen"), ("Qwen/Qwen3", "qwen3_nothink"),
                            ("HuggingFaceTB/SmolLM2", "smollm2"), ("meta-llama/Llama-3", "llama3"),
                            ("meta-llama/Meta-Llama-3", "llama3"), ("google/gemma-2", "gemma2"),
                            ("google/gemma-3", "gemma3"), ("mistralai/", "mistral"))


@dataclass(frozen=True)
class DataFiles:
    """The exported data, as paths relative to the export folder (``data/...``); None where there is none."""

    train: str
    validation: str | None
    passages_train: str | None = None
    passages_validation: str | None = None


def lora_targets() -> list[str]:
    """The attention and MLP projections, as the laptop run adapts them; never embeddings or lm_head."""
    return list(TARGET_MODULES)


def axolotl_config(base_model: str, settings: TrainSettings, files: DataFiles, sequence_len: int,
                   micro_batch_size: int) -> dict[str, Any]:
    """Axolotl's config (docs/config.qmd, docs/dataset-formats/conversation.qmd); paths relative to the folder."""
    chat = {"ds_type": "json", "type": "chat_template", "field_messages": "messages",
            "message_property_mappings": {"role": "role", "content": "content"}}
    datasets: list[dict[str, Any]] = [{"path": files.train, **chat, "roles_to_train": ["assistant"],
                                       "train_on_eos": "turn"}]
    if files.passages_train:
        datasets.append({"path": files.passages_train, "ds_type": "json", "type": "completion", "field": "text"})
    tests: list[dict[str, Any]] = []
    if files.validation:
        tests.append({"path": files.validation, "split": "train", **chat})
    if files.passages_validation:
        tests.append({"path": files.passages_validation, "ds_type": "json", "split": "train", "type": "completion",
                      "field": "text"})
    config: dict[str, Any] = {
        "base_model": base_model,
        "chat_template": "tokenizer_default",
        "datasets": datasets,
    }
    if tests:
        config["test_datasets"] = tests  # the laptop run's held-out share; Axolotl takes this or val_set_size
    else:
        config["val_set_size"] = 0.0
    config.update({
        "dataset_prepared_path": "last_run_prepared",
        "output_dir": AXOLOTL_OUTPUT,
        "adapter": "lora",
        "lora_r": settings.rank,
        "lora_alpha": _whole(settings.alpha),
        "lora_dropout": settings.dropout,
        "lora_target_modules": lora_targets(),
        "sequence_len": sequence_len,
        "sample_packing": False,
        "train_on_inputs": False,
        "micro_batch_size": micro_batch_size,
        "gradient_accumulation_steps": settings.grad_accumulation,
        "num_epochs": settings.epochs,
        "learning_rate": settings.learning_rate,
        "lr_scheduler": "cosine",
        "warmup_ratio": 0.1,
        "bf16": "auto",
        "gradient_checkpointing": True,
        "logging_steps": 1,
        "saves_per_epoch": 1,
        "seed": settings.seed,
    })
    if tests:
        config["evals_per_epoch"] = 2
    return config


def llama_factory_config(base_model: str, settings: TrainSettings, has_validation: bool, sequence_len: int,
                         micro_batch_size: int, dataset_dir: str = "data") -> dict[str, Any]:
    """LLaMA-Factory's training YAML (examples/train_lora/*_lora_sft.yaml, its hparams)."""
    config: dict[str, Any] = {
        "model_name_or_path": base_model,
        "stage": "sft",
        "do_train": True,
        "finetuning_type": "lora",
        "lora_rank": settings.rank,
        "lora_alpha": _whole(settings.alpha),
        "lora_dropout": settings.dropout,
        "lora_target": ",".join(lora_targets()),
        "dataset_dir": dataset_dir,
        "dataset": TRAIN_SET,
        "template": llama_factory_template(base_model),
        "cutoff_len": sequence_len,
        "overwrite_cache": True,
        "output_dir": LLAMA_FACTORY_OUTPUT,
        "logging_steps": 1,
        "save_strategy": "epoch",
        "plot_loss": True,
        "overwrite_output_dir": True,
        "report_to": "none",
        "per_device_train_batch_size": micro_batch_size,
        "gradient_accumulation_steps": settings.grad_accumulation,
        "learning_rate": settings.learning_rate,
        "num_train_epochs": settings.epochs,
        "lr_scheduler_type": "cosine",
        "warmup_ratio": 0.1,
        "bf16": True,
        "seed": settings.seed,
    }
    if has_validation:
        config.update({"eval_dataset": VALIDATION_SET, "per_device_eval_batch_size": micro_batch_size,
                       "eval_strategy": "epoch"})
    return config


def llama_factory_template(base_model: str) -> str | None:
    return next((name for prefix, name in _LLAMA_FACTORY_TEMPLATES if base_model.startswith(prefix)), None)


def dataset_info(files: DataFiles, dataset_dir: str = "data") -> dict[str, Any]:
    """The ``dataset_info.json`` entries (data/README.md, "OpenAI Format"): file names relative to dataset_dir."""
    entry = {"formatting": "sharegpt", "columns": {"messages": "messages"},
             "tags": {"role_tag": "role", "content_tag": "content", "user_tag": "user", "assistant_tag": "assistant",
                      "system_tag": "system"}}
    info = {TRAIN_SET: {"file_name": _relative(files.train, dataset_dir), **entry}}
    if files.validation:
        info[VALIDATION_SET] = {"file_name": _relative(files.validation, dataset_dir), **entry}
    if files.passages_train:  # pre-training text: usable by a separate `stage: pt` run only
        info[PASSAGES_SET] = {"file_name": _relative(files.passages_train, dataset_dir), "columns": {"prompt": "text"}}
    return info


def to_yaml(data: Mapping[str, Any], comments: Mapping[str, str] | None = None, header: str = "") -> str:
    """Block YAML for mappings, lists and scalars; ``comments`` go on the line above their top-level key."""
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    for key, value in data.items():
        if comments and key in comments:
            lines += [f"# {line}" for line in comments[key].splitlines()]
        lines += _item(key, value, 0)
    return "\n".join(lines) + "\n"


def _item(key: str, value: Any, indent: int) -> list[str]:
    pad = " " * indent
    if isinstance(value, Mapping):
        out = [f"{pad}{key}:"]
        for k, v in value.items():
            out += _item(k, v, indent + 2)
        return out
    if isinstance(value, Sequence) and not isinstance(value, str):
        if not value:
            return [f"{pad}{key}: []"]
        return [f"{pad}{key}:", *_sequence(value, indent + 2)]
    return [f"{pad}{key}: {_scalar(value)}".rstrip()]


def _sequence(values: Sequence[Any], indent: int) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    for value in values:
        if isinstance(value, Mapping):
            inner: list[str] = []
            for k, v in value.items():
                inner += _item(k, v, indent + 2)
            out.append(pad + "- " + inner[0][indent + 2:])
            out += inner[1:]
        else:
            out.append(f"{pad}- {_scalar(value)}")
    return out


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        if "e" in text or "E" in text:  # YAML 1.1 readers take "2e-05" for a string: write the digits out
            text = f"{value:.15f}".rstrip("0")
        return text if "." in text or "inf" in text or "nan" in text else text + ".0"
    return json.dumps(str(value), ensure_ascii=False)


def _whole(value: float) -> int | float:
    """Both trainers type lora_alpha as an integer: 16.0 is written 16."""
    return int(value) if float(value).is_integer() else value


def _relative(path: str, folder: str) -> str:
    prefix = folder.rstrip("/") + "/"
    return path[len(prefix):] if path.startswith(prefix) else path
