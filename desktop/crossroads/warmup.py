"""Import the heavy libraries once, early, off the UI thread.

The first use of each file format, of torch and of FAISS imports a large library. Done lazily in the middle of a
demo, those imports compete with the window for Python's import machinery and hitch it for a fraction of a
second; done once at start-up on a worker, while the model loads, they cost nothing anyone sees.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Callable

from crossroads.cancel import NEVER, CancelToken

log = logging.getLogger(__name__)

# transformers resolves its names lazily: `from transformers import AutoModel` in one thread while another thread is
# still importing sentence_transformers (which imports transformers) fails with "cannot import name" about half the
# time (reproduced here). Whoever imports that stack holds this lock: the warm-up and the embedders' loaders.
IMPORT_LOCK = threading.RLock()

HEAVY_MODULES = (
    "numpy", "faiss", "torch", "sentence_transformers", "pypdfium2", "docx", "pptx", "openpyxl",
    "selectolax.lexbor", "charset_normalizer", "markdown_it", "crossroads.ingest", "crossroads.rag.chunking",
    "crossroads.rag.embedding", "crossroads.store.indexer", "crossroads.rag.retrieval", "crossroads.evaluation.metrics",
    "crossroads.rag.passage",
)


TORCH_STACK = ("torch", "sentence_transformers")


def heavy_modules() -> tuple[str, ...]:
    """The modules to warm, without torch's stack where passages are embedded by ONNX Runtime (a CPU without
    native bf16): there nothing at run time uses it, and importing it cost about 3 s of CPU at every start."""
    from crossroads.rag.embedding import passages_need_torch

    if passages_need_torch():
        return HEAVY_MODULES
    return tuple(name for name in HEAVY_MODULES if name not in TORCH_STACK)


def import_heavy_modules(cancel: CancelToken = NEVER, busy: Callable[[], bool] = lambda: False) -> list[str]:
    """Import each module; returns the ones that could not be imported (the feature using them will say why).

    No import starts while ``busy()`` says the app is answering: a question no longer waits for torch (see
    ``rag.embedding``), so the demo's first question can start while this still runs, and importing
    sentence-transformers beside it took both cores from the answer (its first tokens came 0.4-0.9 s later)."""
    missing = []
    for name in heavy_modules():
        while busy() and not cancel.cancelled:
            time.sleep(0.05)
        if cancel.cancelled:
            break
        try:
            with IMPORT_LOCK:
                importlib.import_module(name)
        except ImportError as exc:
            log.warning("could not import %s: %s", name, exc)
            missing.append(name)
    return missing
