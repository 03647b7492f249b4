"""The memory estimate: real model headers, the machine's real free memory, no mocks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crossroads.errors import ModelError
from crossroads.models.gguf_info import read_gguf_info
from crossroads.models.memory import check_fits, compute_buffer_bytes, estimate_memory, kv_cache_bytes


def test_the_tiny_model_fits(tiny_model_path: Path) -> None:
    info = read_gguf_info(tiny_model_path)
    estimate = estimate_memory(info, context_size=4096)
    assert estimate.fits
    assert estimate.weights_bytes == info.file_size
    assert estimate.total_bytes == estimate.weights_bytes + estimate.kv_cache_bytes + estimate.overhead_bytes
    assert 0 < estimate.total_bytes < 1_000_000_000
    check_fits(info, 4096)


def test_kv_cache_follows_the_llama_cpp_formula(tiny_model_path: Path) -> None:
    # 2048 tokens x 30 layers x (K + V) x 3 KV heads x 64 dims x 2 bytes: the 47 MB measured in llama.cpp.
    info = read_gguf_info(tiny_model_path)
    assert kv_cache_bytes(info, 2048) == 2048 * 30 * 2 * 3 * 64 * 2 == 47_185_920


@pytest.mark.parametrize(("context", "logged_mib"), [(2048, 99.38), (8192, 166.38)])
def test_compute_buffer_is_close_to_what_llama_cpp_allocates(tiny_model_path: Path, context: int,
                                                             logged_mib: float) -> None:
    # llama.cpp 0.3.36 logged "CPU compute buffer size" for this model at these context sizes.
    estimate = compute_buffer_bytes(read_gguf_info(tiny_model_path), context)
    assert 0.9 <= estimate / (logged_mib * 2**20) <= 1.2


def test_more_sequences_cost_kv_and_buffers_but_share_the_weights(tiny_model_path: Path) -> None:
    info = read_gguf_info(tiny_model_path)
    one, two = estimate_memory(info, 2048, 1), estimate_memory(info, 2048, 2)
    assert two.weights_bytes == one.weights_bytes
    assert two.kv_cache_bytes == 2 * one.kv_cache_bytes
    assert two.overhead_bytes - one.overhead_bytes == compute_buffer_bytes(info, 2048)


def test_an_absurd_context_is_refused_with_plain_numbers(tiny_model_path: Path) -> None:
    info = read_gguf_info(tiny_model_path)
    assert not estimate_memory(info, 10**8).fits
    with pytest.raises(ModelError) as caught:
        check_fits(info, 10**8)
    message = caught.value.message
    assert message.startswith("This model needs about ")
    assert "GB of memory but only " in message
    assert "lower the context size (now 100,000,000 tokens)" in message


def test_a_model_larger_than_memory_is_refused(tmp_path: Path, make_gguf) -> None:
    path = make_gguf()
    try:
        os.truncate(path, 2**40)  # a sparse terabyte: the header is real, the weights a hole
    except OSError:
        pytest.skip("this file system cannot hold a sparse 1 TB file")
    with pytest.raises(ModelError) as caught:
        check_fits(read_gguf_info(path), 4096)
    assert "needs about 1099." in caught.value.message
    assert "a lower quantisation such as Q4_K_M, or fewer parameters" in caught.value.message


def test_a_context_of_zero_is_refused(tiny_model_path: Path) -> None:
    with pytest.raises(ModelError, match="at least 1"):
        estimate_memory(read_gguf_info(tiny_model_path), 0)
