"""A real PEFT LoRA folder for the tiny model, saved as Axolotl and LLaMA-Factory save theirs: shared by the
import tests of the core and of the Fine-tune tab."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def write_peft_adapter(model_path: Path, folder: Path) -> tuple[Any, Any]:
    """(PEFT model, tokenizer): LoRA on the model loaded as hf_model loads it, lora_B perturbed (seeded) so the
    adapter has an effect, saved into ``folder`` with PEFT's own save_pretrained."""
    import torch
    from peft import LoraConfig, get_peft_model

    from crossroads.finetune import hf_model
    from crossroads.finetune.plan import TARGET_MODULES

    hf_model.quiet_libraries()
    tokenizer, base = hf_model.load_base(model_path, 1)
    model = get_peft_model(base, LoraConfig(r=8, lora_alpha=16, target_modules=list(TARGET_MODULES),
                                            lora_dropout=0.0, task_type="CAUSAL_LM"))
    generator = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "lora_B" in name:
                param.copy_(torch.randn(param.shape, generator=generator) * 0.05)
    model.save_pretrained(str(folder))
    model.eval()
    return model, tokenizer
