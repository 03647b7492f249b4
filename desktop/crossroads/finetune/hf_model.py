"""The user's GGUF in torch: transformers dequantises it to fp32, PEFT puts LoRA on the projections.

Only the training process and the checks import this (torch, transformers and peft are heavy). A model loaded
from a GGUF cannot be saved whole ("quantized with gguf and is not serializable"); only the adapter is saved,
as a standard PEFT folder.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from pathlib import Path
from typing import Any

from crossroads.finetune.plan import TARGET_MODULES, TrainSettings

ADAPTER_CONFIG = "adapter_config.json"
ADAPTER_WEIGHTS = "adapter_model.safetensors"
BASE_FACTS = "base_model.json"  # what the GGUF converter needs of the base model, saved beside the adapter


def quiet_libraries() -> None:
    """No downloads, no progress bars and no advice printed by the libraries into the event stream."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
    warnings.filterwarnings("ignore")
    for name in ("transformers", "peft", "torch", "huggingface_hub", "gguf"):
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
    except ImportError:
        pass


def load_base(gguf_path: Path, threads: int) -> tuple[Any, Any]:
    """(tokenizer, model) in fp32 from the GGUF, in evaluation mode."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.set_num_threads(max(1, threads))
    folder, name = str(gguf_path.parent), gguf_path.name
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
    model.eval()
    return tokenizer, model


def base_facts(model: Any, architecture: str) -> dict[str, Any]:
    """The GGUF architecture and the head counts (llama-style q/k rows are permuted in the GGUF)."""
    config = model.config
    return {
        "architecture": architecture,
        "block_count": int(config.num_hidden_layers),
        "head_count": int(config.num_attention_heads),
        "head_count_kv": int(getattr(config, "num_key_value_heads", None) or config.num_attention_heads),
    }


def add_lora(model: Any, settings: TrainSettings) -> Any:
    """LoRA on the attention and MLP projections the model has; embeddings and lm_head stay frozen."""
    from peft import LoraConfig, get_peft_model

    present = {name.rsplit(".", 1)[-1] for name, _ in model.named_modules()}
    targets = [t for t in TARGET_MODULES if t in present]
    if not targets:
        raise ValueError("none of the projections LoRA is put on was found in this model")
    config = LoraConfig(r=settings.rank, lora_alpha=settings.alpha, lora_dropout=settings.dropout,
                        target_modules=targets, bias="none", task_type="CAUSAL_LM")
    return get_peft_model(model, config)


def save_adapter(peft_model: Any, folder: Path, facts: dict[str, Any]) -> None:
    """adapter_config.json + adapter_model.safetensors (PEFT's layout), written whole or not at all."""
    from peft import get_peft_model_state_dict
    from safetensors.torch import save_file

    tmp = folder.with_name(folder.name + ".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to("cpu").contiguous() for k, v in get_peft_model_state_dict(peft_model).items()}
    save_file(state, str(tmp / ADAPTER_WEIGHTS))
    config = peft_model.peft_config["default"].to_dict()
    config["target_modules"] = sorted(config.get("target_modules") or [])
    (tmp / ADAPTER_CONFIG).write_text(json.dumps(config, indent=1, default=str), encoding="utf-8")
    (tmp / BASE_FACTS).write_text(json.dumps(facts, indent=1), encoding="utf-8")
    _replace_dir(tmp, folder)


def load_adapter_weights(peft_model: Any, folder: Path) -> None:
    from peft import set_peft_model_state_dict
    from safetensors.torch import load_file

    set_peft_model_state_dict(peft_model, load_file(str(folder / ADAPTER_WEIGHTS)))


def greedy(model: Any, tokenizer: Any, prompt_ids: list[int], max_new_tokens: int) -> list[int]:
    """Greedy continuation, argmax token by token until the end of turn: what llama.cpp's greedy must match."""
    import torch

    stop = {t for t in (tokenizer.eos_token_id,) if t is not None}
    out: list[int] = []
    past = None
    with torch.no_grad():
        feed = list(prompt_ids)
        for _ in range(max_new_tokens):
            result = model(input_ids=torch.tensor([feed]), past_key_values=past, use_cache=True)
            past = result.past_key_values
            token = int(result.logits[0, -1].argmax())
            out.append(token)
            if token in stop:
                break
            feed = [token]
    return out


def answer_logits(model: Any, sequence: list[int], answer_from: int) -> Any:
    """The logits (numpy, one row per token) that predict ``sequence[answer_from:]``: teacher-forced, one pass."""
    import torch

    with torch.no_grad():
        logits = model(input_ids=torch.tensor([sequence])).logits[0]
    return logits[answer_from - 1 : len(sequence) - 1].float().numpy()


def _replace_dir(new: Path, target: Path) -> None:
    import shutil

    old = target.with_name(target.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        target.rename(old)
    new.rename(target)
    if old.exists():
        shutil.rmtree(old)
