"""Import the heavy libraries once, early, off the UI thread.

The first use of each file format, of torch and of FAISS imports a large library. Done lazily in the middle of a
demo, those imports compete with the window for Python's import machinery and hitch it for a fraction of a
second; done once at start-up on a worker, while the model loads, they cost nothing anyone sees.
"""

from __future__ import annotations

import importlib
import logging
import threading

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


def import_heavy_modules(cancel: CancelToken = NEVER) -> list[str]:
    """Import each module; returns the ones that could not be imported (the feature using them will say why)."""
    missing = []
    for name in HEAVY_MODULES:
        if cancel.cancelled:
            break
        try:
            with IMPORT_LOCK:
                importlib.import_module(name)
        except ImportError as exc:
            log.warning("could not import %s: %s", name, exc)
            missing.append(name)
    return missing
