"""Is this file a LoRA adapter for the loaded model? Checked from its header before llama.cpp sees it.

llama.cpp refuses a wrong file by returning NULL and logging one line; a user needs to know *which* mistake it was
(not a GGUF, a whole model instead of an adapter, an adapter for another kind of model, for another base model of
the same kind). The header answers the first three in milliseconds, without loading anything; the last one only
llama.cpp can tell (tensor names and shapes against the base), so its logged reason is turned into words here.
An adapter for another base model with identical shapes (e.g. the base and the instruct variant of one model) is
accepted by llama.cpp: only the adapter's manifest (base model checksum) can tell those apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from crossroads.errors import ModelError

if TYPE_CHECKING:
    from crossroads.models.gguf_info import GGUFInfo

ADAPTER_HINT = "Fine-tuned adapters are GGUF LoRA files, made by `crossroads finetune` or llama.cpp's converter."
FINETUNED_HINT = "A whole fine-tuned model is a GGUF file, e.g. exported by llama.cpp's convert_hf_to_gguf.py."


def check_adapter_file(path: Path, base_architecture: str, model_name: str) -> None:
    """Raise ModelError saying what is wrong with ``path`` as an adapter for a ``base_architecture`` model."""
    architecture = adapter_architecture(path)
    if architecture != base_architecture:
        raise ModelError(
            f"{Path(path).name} was made for a '{architecture}' model, but {model_name} is a '{base_architecture}' "
            "model. An adapter only works with the model it was trained on."
        )


def adapter_architecture(path: Path) -> str:
    """The architecture a GGUF LoRA adapter was made for; ModelError if ``path`` is not one. Needs no model, so
    the command line checks ``--adapter`` before spending seconds on loading the model."""
    path = Path(path)
    label = path.name or str(path)
    info = _read_header(path, "adapter", ADAPTER_HINT)
    kind = info.metadata.get("general.type")
    if kind != "adapter":
        what = "a whole model" if kind in (None, "model") else f"a GGUF of type '{kind}'"
        raise ModelError(
            f"{label} is {what}, not an adapter. Load it as the model instead, or choose the adapter file "
            "(a small GGUF) trained for the loaded model."
        )
    adapter_type = info.metadata.get("adapter.type")
    if adapter_type != "lora":
        raise ModelError(f"{label} is a '{adapter_type or 'unknown'}' adapter; Crossroads applies LoRA adapters only.")
    return info.architecture


def check_finetuned_model_file(path: Path, base_path: Path, base_architecture: str, model_name: str) -> GGUFInfo:
    """Raise ModelError unless ``path`` is a whole GGUF model that can stand in for a fine-tune of the loaded one:
    a model (not an adapter), of the same architecture, and not the loaded file itself. Returns its header facts.
    Whether it shares the vocabulary only loading it can tell (the engine checks that)."""
    path = Path(path)
    label = path.name or str(path)
    info = _read_header(path, "fine-tuned model", FINETUNED_HINT)
    if info.metadata.get("general.type") == "adapter":
        raise ModelError(f"{label} is an adapter, not a whole model: open it as the fine-tuned adapter.")
    if path.resolve() == Path(base_path).resolve():
        raise ModelError(f"{label} is the loaded model itself; a fine-tuned model is a different file made from it.")
    if info.architecture != base_architecture:
        raise ModelError(
            f"{label} is a '{info.architecture}' model, but {model_name} is a '{base_architecture}' model, so it "
            "is not a fine-tune of it. Load the model it was fine-tuned from first."
        )
    return info


def _read_header(path: Path, what: str, hint: str) -> GGUFInfo:
    """The GGUF header of a file offered as the fine-tuned ``what``; ModelError saying why it cannot be one."""
    from crossroads.models.gguf_info import is_gguf, read_gguf_info

    label = path.name or str(path)
    if not path.exists():
        raise ModelError(f"There is no {what} file at {path}.")
    if path.is_dir():
        raise ModelError(f"{path} is a folder, not a {what} file. {hint}")
    if not is_gguf(path):
        role = what if what.startswith("fine-tuned") else f"fine-tuned {what}"
        raise ModelError(f"{label} is not a GGUF file, so it cannot be a {role}. {hint}")
    try:
        return read_gguf_info(path)
    except ModelError as exc:
        raise ModelError(f"The {what} {label} cannot be read: {exc.message}") from exc


def refused_message(path: Path, model_name: str, errors: Sequence[str]) -> str:
    """Words for llama.cpp's refusal of an adapter that passed the header checks."""
    reason = " ".join(errors)
    label = Path(path).name
    if "does not exist in base model" in reason or "incorrect shape" in reason:
        return (
            f"{label} does not fit {model_name}: its weights have other names or sizes, so it was trained on "
            "another base model. Load the model it was trained on, or train an adapter for this one."
        )
    detail = f" (llama.cpp: {_short(reason)})" if reason else ""
    return f"llama.cpp could not load the adapter {label} for {model_name}{detail}. The file may be damaged."


def _short(reason: str) -> str:
    marker = "failed to apply lora adapter:"
    return reason.split(marker, 1)[1].strip() if marker in reason else reason.strip()
