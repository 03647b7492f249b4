"""The embedder: the real all-MiniLM-L6-v2 folder, offline, normalised float32 vectors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from crossroads.cancel import CancelToken
from crossroads.errors import Cancelled, ModelError
from crossroads.rag.embedding import Embedder, cpu_has_native_bf16


def test_the_embedder_is_named_after_its_folder_and_makes_384_numbers(embedder: Embedder) -> None:
    assert embedder.name == "all-MiniLM-L6-v2"
    assert embedder.dim == 384
    assert embedder.max_tokens == 256


def test_vectors_are_float32_unit_length_and_in_the_order_of_the_texts(embedder: Embedder) -> None:
    texts = ["short", "a somewhat longer sentence about the weather in spring", "mid length text"]
    vectors = embedder.encode(texts, batch_size=2)
    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    one_by_one = np.stack([embedder.encode_query(t) for t in texts])
    assert np.allclose(vectors, one_by_one, atol=2e-2)
    assert np.all(np.sum(vectors * one_by_one, axis=1) > 0.999)


def test_texts_with_the_same_meaning_are_closer_than_unrelated_ones(embedder: Embedder) -> None:
    q, near, far = embedder.encode(
        ["Who won the football game?", "The Broncos won the Super Bowl.", "Photosynthesis needs light."]
    )
    assert float(q @ near) > float(q @ far) + 0.2


def test_no_texts_give_an_empty_matrix(embedder: Embedder) -> None:
    assert embedder.encode([]).shape == (0, 384)


def test_token_counts_exclude_special_tokens_and_are_not_capped_at_the_model_limit(embedder: Embedder) -> None:
    assert embedder.count_tokens("hello") == 1
    assert embedder.count_tokens("") == 0
    assert embedder.count_tokens("word " * 1000) == 1000


@pytest.mark.skipif(not cpu_has_native_bf16(), reason="this CPU has no native bfloat16")
def test_bfloat16_gives_the_same_vectors_as_float32_where_the_cpu_has_it(
    embedding_model_path: Path, embedder: Embedder
) -> None:
    texts = ["The Panthers finished the regular season with a 15–1 record.", "Levi's Stadium", "gold"]
    fp32 = Embedder(embedding_model_path, precision="fp32")
    assert embedder.uses_bf16 and not fp32.uses_bf16
    cosines = np.sum(embedder.encode(texts) * fp32.encode(texts), axis=1)
    assert np.all(cosines > 0.999)


def test_progress_is_reported_per_batch_and_cancel_stops_between_batches(embedder: Embedder) -> None:
    texts = [f"sentence number {i}" for i in range(10)]
    seen: list[tuple[int, int]] = []
    embedder.encode(texts, batch_size=4, on_progress=lambda done, total: seen.append((done, total)))
    assert seen == [(4, 10), (8, 10), (10, 10)]

    token = CancelToken()

    def cancel_after_first(done: int, total: int) -> None:
        token.cancel()

    with pytest.raises(Cancelled):
        embedder.encode(texts, batch_size=4, cancel=token, on_progress=cancel_after_first)


@pytest.mark.parametrize(
    "make",
    [
        lambda tmp: tmp / "missing",
        lambda tmp: tmp,  # an empty folder
        lambda tmp: (tmp / "config.json").write_text("{ not json") and tmp,
        lambda tmp: (tmp / "modules.json").write_text('[{"idx": 0, "name": "0", "path": "", "type": "nope.X"}]')
        and tmp,
    ],
    ids=["missing", "empty", "broken-config", "broken-modules"],
)
def test_a_bad_model_folder_is_a_plain_model_error_and_leaves_nothing_half_loaded(make, tmp_path: Path) -> None:
    folder = make(tmp_path)
    broken = Embedder(folder)
    for _ in range(2):  # asking again fails the same way: no half-loaded state
        with pytest.raises(ModelError) as error:
            broken.encode(["text"])
        assert str(folder) in error.value.message
        assert "Traceback" not in error.value.message
    assert broken._model is None


def test_creating_an_embedder_imports_neither_torch_nor_sentence_transformers(embedding_model_path: Path) -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from crossroads.rag.embedding import Embedder\n"
        f"e = Embedder(Path({str(embedding_model_path)!r}))\n"
        "assert e.name == 'all-MiniLM-L6-v2'\n"
        "assert 'torch' not in sys.modules and 'sentence_transformers' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_indexing_and_asking_at_once_share_the_embedder_safely(embedder: Embedder) -> None:
    """The app's normal case: a folder is embedded on one thread while questions are embedded on another."""
    import threading

    passages = [f"Passage {i} about the travel allowance, parking lots and invoices. " * (1 + i % 7) for i in range(48)]
    errors: list[BaseException] = []
    stop = threading.Event()

    def index() -> None:
        try:
            for _ in range(3):
                embedder.encode(passages, batch_size=16)
                embedder.count_tokens(passages[-1])
        except BaseException as exc:  # collected and reported below
            errors.append(exc)
        finally:
            stop.set()

    def ask() -> None:
        try:
            while not stop.is_set():
                assert embedder.encode_query("Where do staff park?").shape == (384,)
                embedder.count_tokens("Where do staff park?")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=index), threading.Thread(target=ask), threading.Thread(target=ask)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors


def test_a_question_is_embedded_on_one_thread_and_batches_keep_torch_s_threads(
    embedding_model_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the torch backend (where ONNX Runtime cannot serve): on a busy machine a second thread only waits at
    OpenMP's barriers, and one question took 1.2 s instead of 0.08 s."""
    import torch

    embedder = Embedder(embedding_model_path, backend="torch")
    model = embedder._load()
    seen: list[int] = []
    real = model.encode

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(torch.get_num_threads())
        return real(*args, **kwargs)

    monkeypatch.setattr(model, "encode", spy)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        alone = embedder.encode_query("how long are invoices kept")
        embedder.encode(["first passage", "second passage"])
        assert seen == [1, 2] and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
    assert float(alone @ embedder.encode(["how long are invoices kept", "x"])[0]) == pytest.approx(1.0, abs=1e-4)
