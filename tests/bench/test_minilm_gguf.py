"""The bench's MiniLM → GGUF writer: llama.cpp reads the file and gives sentence-transformers' vectors, so the
embedding bench compares speed on the same vectors, not a broken conversion."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

TEXTS = [
    "Switch off and let the machine cool for 30 minutes; if E27 returns, call Brellvik Service.",
    "Peyton Manning became the first quarterback ever to lead two different teams to multiple Super Bowls.",
    "Crème brûlée costs €6,50 — naïve café prices, résumé attached.",
    "ok",
]


@pytest.mark.parametrize("dtype", ["f32", "f16"])
def test_llama_cpp_reads_the_gguf_and_gives_the_same_vectors(
    writer, embedding_model_path: Path, embedder, tmp_path: Path, dtype: str  # type: ignore[no-untyped-def]
) -> None:
    from llama_cpp import Llama

    from crossroads.engine import llama_log

    llama_log.silence()
    from tokenizers import Tokenizer

    path = writer.convert(embedding_model_path, tmp_path / f"minilm-{dtype}.gguf", dtype)
    model = Llama(str(path), embedding=True, n_ctx=512, n_batch=512, n_ubatch=512, n_threads=1,
                  verbose=True)  # llama_log routes its lines away
    try:
        ours = np.asarray(model.embed(TEXTS, normalize=True), dtype=np.float32)
        tokens = [model.tokenize(text.encode(), add_bos=True) for text in TEXTS]
    finally:
        model.close()
    wordpiece = Tokenizer.from_file(str(embedding_model_path / "tokenizer.json"))
    wordpiece.no_padding()
    assert tokens == [wordpiece.encode(text).ids for text in TEXTS]
    reference = embedder.encode(TEXTS)
    assert np.min(np.sum(ours * reference, axis=1)) >= 0.999


def test_an_existing_file_is_reused_and_other_types_are_refused(
    writer, embedding_model_path: Path, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    path = tmp_path / "minilm.gguf"
    path.write_bytes(b"kept")
    assert writer.convert(embedding_model_path, path, "f16").read_bytes() == b"kept"
    with pytest.raises(ValueError, match="f32 or f16"):
        writer.convert(embedding_model_path, tmp_path / "other.gguf", "q4_0")
