"""Fuzzing the GGUF header reader: whatever the bytes, a GGUFInfo or a ModelError with a reason, quickly.

Seeds are real GGUF files written by the ``gguf`` package; Hypothesis then truncates them, flips bytes in the header,
plants absurd counts and string lengths, and breaks the magic and version.
"""

from __future__ import annotations

import struct
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crossroads.errors import ModelError
from crossroads.models.gguf_info import GGUFInfo, read_gguf_info

from .fuzzing import EXAMPLES, time_limit

pytestmark = pytest.mark.fuzz
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _seed() -> bytes:
    import numpy as np
    from gguf import GGUFWriter

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "seed.gguf"
        writer = GGUFWriter(path, "llama")
        writer.add_name("Fuzz Seed")
        writer.add_block_count(2)
        writer.add_context_length(512)
        writer.add_embedding_length(16)
        writer.add_head_count(2)
        writer.add_head_count_kv(1)
        writer.add_file_type(15)
        writer.add_tokenizer_model("gpt2")
        writer.add_token_list([f"<tok{i}>" for i in range(24)])
        writer.add_bos_token_id(1)
        writer.add_eos_token_id(23)
        writer.add_array("llama.attention.head_count_per_layer", [2, 2])
        writer.add_chat_template("{% for m in messages %}{{ m['content'] }}{% endfor %}")
        writer.add_tensor("token_embd.weight", np.ones((24, 16), dtype=np.float32))
        writer.add_tensor("output_norm.weight", np.ones((16,), dtype=np.float32))
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
        return path.read_bytes()


SEED = _seed()
HEADER_END = SEED.index(b"output_norm.weight") + 64  # the metadata and tensor table; weights follow


@pytest.fixture(scope="module", autouse=True)
def _folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    _FOLDER.append(tmp_path_factory.mktemp("fuzz-gguf"))


_FOLDER: list[Path] = []


def _check(data: bytes) -> None:
    """The property: a result or a ModelError that says something, never another exception, never a hang."""
    path = _FOLDER[-1] / "model.gguf"
    path.write_bytes(data)
    try:
        with time_limit():
            info = read_gguf_info(path)
    except ModelError as exc:
        assert exc.message.strip() and "\n" not in exc.message
        return
    assert isinstance(info, GGUFInfo) and info.file_size == len(data)


def test_the_seed_itself_reads() -> None:
    _check(SEED)
    assert read_gguf_info(_FOLDER[-1] / "model.gguf").architecture == "llama"


@FUZZ
@given(st.integers(min_value=0, max_value=len(SEED)))
def test_a_truncated_file(cut: int) -> None:
    _check(SEED[:cut])


@FUZZ
@given(st.lists(st.tuples(st.integers(0, HEADER_END - 1), st.integers(0, 255)), min_size=1, max_size=12))
def test_flipped_bytes_in_the_header(flips: list[tuple[int, int]]) -> None:
    data = bytearray(SEED)
    for position, value in flips:
        data[position] = value
    _check(bytes(data))


# Offsets of fields worth lying about: the counts in the fixed header and every u64 (string length, array count).
_U64_FIELDS = [8, 16] + [i for i in range(24, HEADER_END - 8) if SEED[i + 4 : i + 8] == b"\0\0\0\0"]


@FUZZ
@given(st.sampled_from(_U64_FIELDS),
       st.one_of(st.integers(0, 2**64 - 1), st.sampled_from([0, 1, 2**31, 2**32 - 1, 2**63, 2**64 - 1])))
def test_absurd_counts_and_lengths(offset: int, value: int) -> None:
    data = bytearray(SEED)
    struct.pack_into("<Q", data, offset, value)
    _check(bytes(data))


@FUZZ
@given(st.binary(min_size=4, max_size=4), st.integers(0, 2**32 - 1), st.booleans())
def test_wrong_magic_or_version(magic: bytes, version: int, keep_magic: bool) -> None:
    data = bytearray(SEED)
    if not keep_magic:
        data[:4] = magic
    struct.pack_into("<I", data, 4, version)
    _check(bytes(data))


@FUZZ
@given(st.binary(max_size=256))
def test_arbitrary_bytes_after_the_magic(tail: bytes) -> None:
    _check(b"GGUF" + tail)
