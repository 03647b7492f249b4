"""The FAISS index: exact search, HNSW past the threshold, and a file that is whole or ignored."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from crossroads.store.vectors import VectorIndex


def unit_vectors(count: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((count, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_search_returns_chunk_ids_and_cosines_best_first() -> None:
    vectors = unit_vectors(50)
    index = VectorIndex.build(32, np.arange(100, 150), vectors)
    hits = index.search(vectors[7], 5)
    assert hits[0][0] == 107 and hits[0][1] == pytest.approx(1.0, abs=1e-5)
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
    assert len(index.search(vectors[7], 500)) == 50
    assert index.search(vectors[7], 0) == []


def test_removed_ids_are_never_returned() -> None:
    vectors = unit_vectors(20)
    index = VectorIndex.build(32, np.arange(20), vectors)
    index.remove(np.array([3, 4]))
    assert index.count == 18
    assert {i for i, _ in index.search(vectors[3], 20)}.isdisjoint({3, 4})


def test_past_the_threshold_the_index_becomes_hnsw_and_finds_the_same_nearest() -> None:
    vectors = unit_vectors(400)
    small = VectorIndex.build(32, np.arange(400), vectors, hnsw_threshold=300)
    assert small.hnsw
    assert small.search(vectors[10], 1)[0][0] == 10
    small.remove(np.array([10]))
    assert small.stale  # HNSW cannot delete: the knowledge base rebuilds it

    growing = VectorIndex.build(32, np.arange(200), vectors[:200], hnsw_threshold=300)
    growing.add(np.arange(200, 400), vectors[200:])
    assert not growing.hnsw and growing.stale  # time to rebuild as HNSW


def test_a_saved_index_loads_only_when_generation_and_count_match(tmp_path: Path) -> None:
    path = tmp_path / "vectors.faiss"
    vectors = unit_vectors(30)
    VectorIndex.build(32, np.arange(30), vectors).save(path, generation=5)
    loaded = VectorIndex.load(path, 32, generation=5, count=30)
    assert loaded is not None and loaded.search(vectors[2], 1)[0][0] == 2
    assert VectorIndex.load(path, 32, generation=6, count=30) is None
    assert VectorIndex.load(path, 32, generation=5, count=29) is None
    assert VectorIndex.load(path, 64, generation=5, count=30) is None
    assert VectorIndex.load(tmp_path / "missing.faiss", 32, generation=5, count=30) is None
    assert [p.name for p in tmp_path.iterdir()] == ["vectors.faiss"]  # no temporary files left


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],
        lambda data: data[:10],
        lambda data: data[:-100] + bytes([data[-100] ^ 0xFF]) + data[-99:],
        lambda _: b"",
    ],
    ids=["half", "header-only", "flipped-byte", "empty"],
)
def test_a_damaged_file_is_ignored_so_the_caller_rebuilds(tmp_path: Path, damage) -> None:
    path = tmp_path / "vectors.faiss"
    VectorIndex.build(32, np.arange(30), unit_vectors(30)).save(path, generation=1)
    path.write_bytes(damage(path.read_bytes()))
    assert VectorIndex.load(path, 32, generation=1, count=30) is None


def test_saving_flushes_the_file_and_then_the_folder_that_holds_the_rename(tmp_path: Path, monkeypatch) -> None:
    """Without the folder's fsync a power cut can lose the rename itself, leaving the old index (or none)."""
    import os
    import stat

    real_fsync = os.fsync
    synced: list[str] = []

    def spy(fd: int) -> None:  # observes the real calls; every one still reaches the disk
        info = os.fstat(fd)
        synced.append("folder" if stat.S_ISDIR(info.st_mode) else "file")
        if stat.S_ISDIR(info.st_mode):
            assert (info.st_dev, info.st_ino) == (tmp_path.stat().st_dev, tmp_path.stat().st_ino)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spy)
    ids = np.arange(5, dtype=np.int64)
    VectorIndex.build(32, ids, unit_vectors(5)).save(tmp_path / "vectors.faiss", generation=1)
    assert synced == ["file", "folder"]
