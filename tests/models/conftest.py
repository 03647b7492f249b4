"""Builders for the models tests: small real GGUF files (written by the ``gguf`` writer) and wheels."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

WheelMaker = Callable[[str, str, dict[str, bytes]], Path]
GGUFMaker = Callable[..., Path]


@pytest.fixture
def make_gguf(tmp_path: Path) -> GGUFMaker:
    """A tiny but complete GGUF: llama metadata, a vocabulary, a chat template and two f32 tensors."""
    import numpy as np
    from gguf import GGUFWriter

    def make(name: str = "tiny.gguf", *, file_type: int | None = 15, vocab: int = 40,
             extra: Callable[[GGUFWriter], None] | None = None) -> Path:
        path = tmp_path / name
        writer = GGUFWriter(path, "llama")
        writer.add_name("Tiny Test Model")
        writer.add_block_count(2)
        writer.add_context_length(512)
        writer.add_embedding_length(64)
        writer.add_head_count(4)
        writer.add_head_count_kv(2)
        if file_type is not None:
            writer.add_file_type(file_type)
        writer.add_tokenizer_model("gpt2")
        writer.add_token_list([f"<tok{i}>" for i in range(vocab)])
        writer.add_bos_token_id(1)
        writer.add_eos_token_id(vocab - 1)
        writer.add_chat_template("{% for m in messages %}{{ m['content'] }}{% endfor %}")
        if extra is not None:
            extra(writer)
        writer.add_tensor("token_embd.weight", np.ones((vocab, 64), dtype=np.float32))
        writer.add_tensor("output_norm.weight", np.ones((64,), dtype=np.float32))
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
        return path

    return make


@pytest.fixture
def make_wheel(tmp_path: Path) -> WheelMaker:
    """A minimal valid wheel in ``tmp_path/wheels`` that pip accepts through ``--find-links``."""
    folder = tmp_path / "wheels"
    folder.mkdir(exist_ok=True)

    def make(dist: str, version: str, files: dict[str, bytes]) -> Path:
        stem = dist.replace("-", "_")
        path = folder / f"{stem}-{version}-py3-none-any.whl"
        info = f"{stem}-{version}.dist-info"
        with zipfile.ZipFile(path, "w") as zf:
            for name, data in files.items():
                zf.writestr(name, data)
            zf.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
            zf.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: crossroads-tests\n"
                                         "Root-Is-Purelib: true\nTag: py3-none-any\n")
            zf.writestr(f"{info}/RECORD", "")
        return path

    return make
