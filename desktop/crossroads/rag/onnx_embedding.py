"""The same sentence-transformers vectors through ONNX Runtime: exported locally, once, from the model folder.

Why: on CPUs without native bfloat16, ONNX Runtime's fused BERT kernels embed passages faster than torch in float32
with the same numbers (cosine 1.0000 to the sentence-transformers vectors on the demo documents and a 260-page
manual), so knowledge bases embedded either way stay interchangeable.

The ONNX file is made from the folder ``crossroads models pull`` put on disk (torch's exporter, the transformer
plus mean pooling in one graph) and cached in the models folder's ``cache/onnx`` (or the user's data folder), never
inside the model's own folder: that folder is checked against the catalog's sha256 of its files. The cache key
covers the model files' sizes and times and the library versions, so a changed model or exporter rebuilds it.
Nothing is downloaded.

Only the plain layout is exported: a Transformer, mean pooling, optionally Normalize. Anything else raises
``OnnxUnavailable`` and the caller keeps sentence-transformers.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

EXPORT_VERSION = "1"  # bump when the exported graph changes
_MODULES = ("sentence_transformers.models.Transformer", "sentence_transformers.models.Pooling")
_NORMALIZE = "sentence_transformers.models.Normalize"
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class OnnxUnavailable(Exception):
    """ONNX Runtime cannot serve this model here; the message says why (it is logged, not shown)."""


def default_cache_dir() -> Path:
    """``cache/onnx`` in the models folder, outside any model's own folder: one export per machine, whichever user
    data folder is in use (tests and portable runs switch it); the user data folder when the models folder cannot
    be written (an installed bundle)."""
    from crossroads.config import data_dir, models_dir

    shared = models_dir() / "cache" / "onnx"
    with contextlib.suppress(OSError):
        shared.mkdir(parents=True, exist_ok=True)
        if os.access(shared, os.W_OK):
            return shared
    return data_dir() / "cache" / "onnx"


class OnnxEncoder:
    """Mean-pooled (not yet normalised) float32 vectors from an ONNX session. Not thread-safe: the tokenizer is not."""

    def __init__(self, model_folder: Path, *, cache_dir: Path | None = None, threads: int = 0,
                 quantized: bool = False) -> None:
        layout = read_layout(model_folder)
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise OnnxUnavailable(f"onnxruntime is not installed ({exc})") from exc
        self.max_tokens = layout["max_seq_length"]
        self.onnx_path = cached_onnx(model_folder, cache_dir or default_cache_dir(), quantized=quantized)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads if threads > 0 else min(os.cpu_count() or 1, 4)
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        # Idle worker threads sleep instead of spinning: a question answered by llama.cpp while a folder is
        # indexed must get the cores between batches. Measured on 2 busy cores with Qwen2.5-0.5B generating beside
        # embedding: 3.70 tok/s without spinning vs 3.28 with it, embedding at the same 4.9 passages/s; one thread
        # instead of two gave 4.7 tok/s but embedded at 3.2 passages/s.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(str(self.onnx_path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # a damaged cache file: remove it so the next load exports again
            with contextlib.suppress(OSError):
                self.onnx_path.unlink()
            raise OnnxUnavailable(f"ONNX Runtime could not load {self.onnx_path.name} ({exc})") from exc
        self._names = {i.name for i in self._session.get_inputs()}
        self._tokenizer = Tokenizer.from_file(str(Path(model_folder) / "tokenizer.json"))
        self._tokenizer.enable_truncation(self.max_tokens)
        self._tokenizer.enable_padding(pad_id=self._tokenizer.padding["pad_id"] if self._tokenizer.padding else 0)
        self.dim = int(self.encode(["dimension probe"]).shape[1])

    def encode(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        feeds = {
            "input_ids": ids,
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        return np.asarray(self._session.run(None, {k: v for k, v in feeds.items() if k in self._names})[0],
                          dtype=np.float32)


def read_layout(model_folder: Path) -> dict[str, Any]:
    """The settings the export relies on, or ``OnnxUnavailable`` when the folder is not the plain layout."""
    folder = Path(model_folder)
    try:
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
        types = [m["type"] for m in modules]
        pooling = next(m for m in modules if m["type"] == _MODULES[1])
        pool = json.loads((folder / pooling["path"] / "config.json").read_text(encoding="utf-8"))
        bert = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError, StopIteration) as exc:
        raise OnnxUnavailable(f"not a plain sentence-transformers folder ({exc.__class__.__name__}: {exc})") from exc
    if tuple(types[:2]) != _MODULES or any(t != _NORMALIZE for t in types[2:]):
        raise OnnxUnavailable(f"module layout {types} is not Transformer + Pooling (+ Normalize)")
    modes = {k for k, v in pool.items() if k.startswith("pooling_mode_") and v}
    if modes != {"pooling_mode_mean_tokens"}:
        raise OnnxUnavailable(f"pooling {sorted(modes)} is not mean pooling")
    if not (folder / "tokenizer.json").is_file():
        raise OnnxUnavailable("the folder has no tokenizer.json")
    return {"max_seq_length": int(bert.get("max_seq_length") or 512)}


def cache_key(model_folder: Path, quantized: bool) -> str:
    """Changes when a model file, torch, transformers, onnxruntime or this exporter changes."""
    import importlib.metadata as md

    folder = Path(model_folder)
    parts = [EXPORT_VERSION, "int8" if quantized else "fp32"]
    for dist in ("torch", "transformers", "onnxruntime"):
        with contextlib.suppress(md.PackageNotFoundError):
            parts.append(f"{dist}={md.version(dist)}")
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        st = path.stat()
        parts.append(f"{path.relative_to(folder).as_posix()}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def cached_onnx(model_folder: Path, cache_dir: Path, *, quantized: bool = False) -> Path:
    """The ONNX file for this model, exported (and quantised) on first use; older exports of it are removed."""
    folder = Path(model_folder)
    kind = "int8" if quantized else "fp32"
    target = cache_dir / f"{folder.name}-{kind}-{cache_key(folder, quantized)}.onnx"
    if target.is_file():
        return target
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="export-", dir=cache_dir) as tmp:
            made = export_onnx(folder, Path(tmp) / "model.onnx")
            if quantized:
                made = quantize(made, Path(tmp) / "model-int8.onnx")
            os.replace(made, target)  # atomic: a reader sees no file or a whole one
    except OnnxUnavailable:
        raise
    except Exception as exc:  # the exporter's failures come in every type
        raise OnnxUnavailable(f"exporting {folder.name} to ONNX failed ({exc.__class__.__name__}: {exc})") from exc
    for stale in cache_dir.glob(f"{folder.name}-{kind}-*.onnx"):
        if stale != target:
            with contextlib.suppress(OSError):
                stale.unlink()
    return target


def export_onnx(model_folder: Path, out: Path) -> Path:
    """The transformer and its mean pooling as one ONNX graph with dynamic batch and length."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    from crossroads.warmup import IMPORT_LOCK

    try:
        with IMPORT_LOCK:  # not while another thread is half-way through importing transformers
            import torch
            from transformers import AutoModel
            from transformers.utils import logging as transformers_logging
    except ImportError as exc:
        raise OnnxUnavailable(f"torch/transformers are needed to export ({exc})") from exc
    transformers_logging.disable_progress_bar()
    # Eager attention traces to plain ops that ONNX Runtime fuses into its own attention kernel.
    model = AutoModel.from_pretrained(str(model_folder), local_files_only=True, attn_implementation="eager").eval()

    class MeanPooled(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.inner(input_ids=input_ids, attention_mask=attention_mask,
                                token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            # sentence-transformers' Pooling, mean mode: padding excluded, denominator clamped the same way.
            return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)

    ids = torch.ones((2, 16), dtype=torch.long)
    mask = torch.ones_like(ids)
    mask[1, 9:] = 0  # trace with padding so the masking path is the one recorded
    axes = {name: {0: "batch", 1: "tokens"} for name in _INPUTS} | {"embedding": {0: "batch"}}
    with warnings.catch_warnings(), torch.no_grad():
        # The TorchScript exporter (no onnxscript needed) warns that it is deprecated and that tracing fixes shapes;
        # the graph is checked against sentence-transformers by the tests, so the warnings are not the user's.
        warnings.simplefilter("ignore")
        torch.onnx.export(MeanPooled(model), (ids, mask, torch.zeros_like(ids)), str(out), dynamo=False,
                          input_names=list(_INPUTS), output_names=["embedding"], dynamic_axes=axes,
                          opset_version=17)
    return out


def quantize(source: Path, out: Path) -> Path:
    """Dynamic int8 weights (per channel, unsigned): the variant that came closest to float32 here."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.getLogger().disabled, was = True, logging.getLogger().disabled  # it logs a "pre-process" hint on root
    try:
        quantize_dynamic(str(source), str(out), weight_type=QuantType.QUInt8, per_channel=True)
    finally:
        logging.getLogger().disabled = was
    return out
