"""Is the fine-tuning stack in this installation? A build without it (``build_bundle.py --no-finetune``, or a pip
install without the ``finetune`` extra) must say so in one sentence before a run starts, not fail inside the
training process with an ImportError.

Only looks the packages up (``importlib.util.find_spec``): importing torch and transformers takes seconds.
"""

from __future__ import annotations

import importlib.util

from crossroads.errors import SetupError

# What the training process and the adapter converter import (torch and transformers also serve the embedder).
TRAINING_PACKAGES = ("torch", "transformers", "peft", "gguf")

NOT_INSTALLED = (
    "Fine-tuning is not installed in this build of Crossroads (it lacks {missing}). Everything else works: "
    "compare, evaluate and decide with RAG, use adapters already trained as GGUF, or export the training data for "
    "a GPU trainer. To train here, install the full build (or `pip install \"crossroads[finetune]\"`)."
)


def missing_packages() -> list[str]:
    """The training packages that cannot be imported here, in the order listed above."""
    missing = []
    for name in TRAINING_PACKAGES:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):  # a parent package missing, or a module without a spec
            found = False
        if not found:
            missing.append(name)
    return missing


def not_installed_message() -> str | None:
    """The sentence to show when fine-tuning cannot run here, else None."""
    missing = missing_packages()
    return NOT_INSTALLED.format(missing=", ".join(missing)) if missing else None


def check_installed() -> None:
    """Raise the user-facing SetupError when the training stack is missing."""
    message = not_installed_message()
    if message is not None:
        raise SetupError(message)
