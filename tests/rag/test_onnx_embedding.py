"""The ONNX Runtime backend: the same vectors as sentence-transformers in float32, exported locally and cached.

Real model, real passages (the demo documents' chunks as the indexer cuts them); faults are injected only to take
the fallback path.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from crossroads.demo import demo_documents
from crossroads.ingest.load import load_document
from crossroads.rag import onnx_embedding
from crossroads.rag.chunking import chunk_document
from crossroads.rag.embedding import Embedder, cpu_has_native_bf16
from crossroads.rag.onnx_embedding import OnnxUnavailable, cache_key, read_layout


@pytest.fixture(scope="module")
def torch_fp32(embedding_model_path: Path) -> Embedder:
    return Embedder(embedding_model_path, backend="torch", precision="fp32")


@pytest.fixture(scope="module")
def onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.fixture(scope="module")
def onnx(embedding_model_path: Path, onnx_cache: Path) -> Embedder:
    return Embedder(embedding_model_path, backend="onnx", cache_dir=onnx_cache)


@pytest.fixture(scope="module")
def demo_passages(torch_fp32: Embedder) -> list[str]:
    texts = [c.text for path in sorted(demo_documents().iterdir())
             for c in chunk_document(load_document(path), torch_fp32.count_tokens)]
    assert len(texts) > 20
    return texts


def test_onnx_vectors_match_sentence_transformers_float32_on_every_demo_passage(
    onnx: Embedder, torch_fp32: Embedder, demo_passages: list[str]
) -> None:
    extra = ["gold", "Levi's Stadium", "word " * 400]  # one word, a name, one past the 256-token limit
    texts = demo_passages + extra
    assert onnx.backend == "onnx" and torch_fp32.backend == "torch-fp32"
    cosines = np.sum(onnx.encode(texts) * torch_fp32.encode(texts), axis=1)
    assert cosines.min() >= 0.99, f"lowest cosine {cosines.min():.4f}"
    assert cosines.min() >= 0.9999  # float32 through another runtime: equal up to rounding, in fact


def test_a_question_embedded_alone_matches_its_batched_and_torch_vectors(onnx: Embedder, torch_fp32: Embedder) -> None:
    question = "How long is the warranty on the grinder of the Corvus 5?"
    alone = onnx.encode_query(question)
    batched = onnx.encode([question, "a much longer passage about descaling the steam wand " * 10])[0]
    assert float(alone @ batched) > 0.9999
    assert float(alone @ torch_fp32.encode_query(question)) > 0.9999


def test_both_backends_count_tokens_alike_and_report_the_same_shape(onnx: Embedder, torch_fp32: Embedder) -> None:
    for text in ["", "hello", "Die Reisekostenpauschale beträgt 73 Gulden.", "word " * 1000]:
        assert onnx.count_tokens(text) == torch_fp32.count_tokens(text)
    assert (onnx.dim, onnx.max_tokens) == (torch_fp32.dim, torch_fp32.max_tokens) == (384, 256)
    assert not onnx.uses_bf16


def test_the_export_is_cached_and_reused_without_exporting_again(
    embedding_model_path: Path, onnx: Embedder, onnx_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert onnx.dim == 384  # loaded: the file exists
    files = list(onnx_cache.glob("*.onnx"))
    assert len(files) == 1 and files[0].name.startswith("all-MiniLM-L6-v2-fp32-")

    def no_export(*args: object) -> None:
        raise AssertionError("exported again")

    monkeypatch.setattr(onnx_embedding, "export_onnx", no_export)
    again = Embedder(embedding_model_path, backend="onnx", cache_dir=onnx_cache)
    assert again.backend == "onnx"
    assert list(onnx_cache.glob("*.onnx")) == files


def test_the_cache_key_follows_the_model_files(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    before = cache_key(tmp_path, quantized=False)
    assert cache_key(tmp_path, quantized=True) != before
    (tmp_path / "config.json").write_text('{"changed": 1}')
    assert cache_key(tmp_path, quantized=False) != before


def test_a_failing_export_falls_back_to_sentence_transformers_with_the_reason_logged(
    embedding_model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken_export(*args: object) -> None:
        raise RuntimeError("exporter crashed")

    monkeypatch.setattr(onnx_embedding, "export_onnx", broken_export)
    embedder = Embedder(embedding_model_path, cache_dir=tmp_path, precision="fp32")  # ONNX is tried on any CPU
    with caplog.at_level(logging.WARNING, logger="crossroads.rag.embedding"):
        vector = embedder.encode_query("Where do staff park?")
    assert embedder.backend == "torch-fp32"
    assert "exporter crashed" in embedder.fallback_reason
    assert any("exporter crashed" in r.getMessage() for r in caplog.records)
    assert vector.shape == (384,) and abs(float(np.linalg.norm(vector)) - 1) < 1e-5
    assert list(tmp_path.glob("*.onnx")) == []  # nothing half-written left behind


def test_without_onnxruntime_the_embedder_falls_back(
    embedding_model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import onnxruntime raises ImportError
    embedder = Embedder(embedding_model_path, cache_dir=tmp_path, precision="fp32")  # ONNX is tried on any CPU
    assert embedder.backend == "torch-fp32"
    assert "onnxruntime is not installed" in embedder.fallback_reason
    assert embedder.question_backend == "torch-fp32"  # a question falls back with the passages
    assert embedder.encode_query("where do staff park").shape == (384,)


def test_a_damaged_cached_file_is_removed_so_the_next_load_exports_again(
    embedding_model_path: Path, onnx_cache: Path, onnx: Embedder, tmp_path: Path
) -> None:
    assert onnx.dim == 384
    cached = next(onnx_cache.glob("*.onnx"))
    damaged = tmp_path / cached.name
    damaged.write_bytes(b"not an onnx file")
    embedder = Embedder(embedding_model_path, cache_dir=tmp_path, precision="fp32")  # ONNX is tried on any CPU
    assert embedder.backend == "torch-fp32"
    assert "could not load" in embedder.fallback_reason
    assert not damaged.exists()


def test_only_the_plain_mean_pooling_layout_is_exported(embedding_model_path: Path, tmp_path: Path) -> None:
    assert read_layout(embedding_model_path) == {"max_seq_length": 256}
    modules = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
               {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]
    (tmp_path / "modules.json").write_text(json.dumps(modules))
    (tmp_path / "sentence_bert_config.json").write_text('{"max_seq_length": 128}')
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "1_Pooling" / "config.json").write_text('{"pooling_mode_cls_token": true}')
    with pytest.raises(OnnxUnavailable, match="not mean pooling"):
        read_layout(tmp_path)
    (tmp_path / "1_Pooling" / "config.json").write_text('{"pooling_mode_mean_tokens": true}')
    with pytest.raises(OnnxUnavailable, match=r"tokenizer\.json"):
        read_layout(tmp_path)


def test_the_torch_backend_can_still_be_chosen_and_a_bad_choice_is_refused(embedding_model_path: Path) -> None:
    with pytest.raises(ValueError):
        Embedder(embedding_model_path, backend="tensorrt")


def test_a_question_waits_for_onnx_runtime_only_not_for_torch(
    embedding_model_path: Path, onnx: Embedder, onnx_cache: Path
) -> None:
    """Whatever embeds the passages (torch in bf16 on a CPU that has it), the question and the sentences weighed for
    it go through ONNX Runtime: importing sentence-transformers and torch took 3.1 s of a 6.5 s first answer."""
    assert onnx.dim == 384  # the export is in the cache now
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from crossroads.rag.embedding import Embedder\n"
        f"e = Embedder(Path({str(embedding_model_path)!r}), cache_dir=Path({str(onnx_cache)!r}))\n"
        "assert e.encode_query('where do staff park').shape == (384,)\n"
        "assert e.encode_for_question(['Staff park in lot B.', 'Invoices are kept ten years.']).shape == (2, 384)\n"
        "assert e.question_backend == 'onnx'\n"
        "assert 'torch' not in sys.modules and 'sentence_transformers' not in sys.modules, 'the torch stack loaded'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_question_and_passage_vectors_agree_whichever_encoder_makes_each(
    embedding_model_path: Path, onnx_cache: Path
) -> None:
    embedder = Embedder(embedding_model_path, cache_dir=onnx_cache)
    assert embedder.question_backend == "onnx"
    assert embedder.backend == ("torch-bf16" if cpu_has_native_bf16() else "onnx")
    texts = ["How long are invoices kept?", "The Panthers finished the regular season with a 15–1 record."]
    cosines = np.sum(embedder.encode_for_question(texts) * embedder.encode(texts), axis=1)
    assert np.all(cosines > 0.999)
    assert float(embedder.encode_query(texts[0]) @ embedder.encode(texts)[0]) > 0.999
