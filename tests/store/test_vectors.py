"""The FAISS index: exact search, an inverted file past the threshold, and a file that is whole or ignored."""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pytest

from crossroads.store import vectors as vectors_module
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


def clustered_vectors(count: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    """Unit vectors around 20 centres, as embeddings cluster by topic."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((20, dim))
    vectors = (centres[rng.integers(0, 20, count)] + 0.5 * rng.standard_normal((count, dim))).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_past_the_threshold_the_index_becomes_an_inverted_file_that_finds_what_exact_search_finds() -> None:
    vectors = clustered_vectors(3000)
    ids = np.arange(1000, 4000)
    exact = VectorIndex.build(32, ids, vectors)
    ivf = VectorIndex.build(32, ids, vectors, threshold=2000)
    assert exact.kind == "flat" and ivf.kind == "ivf" and ivf.approximate
    assert sorted(ivf.ids()) == list(ids)
    queries = clustered_vectors(50, seed=1)
    found = [
        len({i for i, _ in ivf.search(q, 10)} & {i for i, _ in exact.search(q, 10)}) / 10 for q in queries
    ]
    assert np.mean(found) >= 0.95  # recall@10 against exact search


def test_the_inverted_file_keeps_its_vectors_in_one_byte_per_number() -> None:
    import faiss

    vectors = clustered_vectors(3000, dim=64)
    ivf = VectorIndex.build(64, np.arange(3000), vectors, threshold=2000)
    exact = VectorIndex.build(64, np.arange(3000), vectors)
    assert isinstance(ivf._index, faiss.IndexIVFScalarQuantizer)
    assert len(faiss.serialize_index(ivf._index)) < len(faiss.serialize_index(exact._index)) / 3


def test_an_inverted_file_deletes_in_place_and_asks_to_be_rebuilt_only_when_its_size_changes_a_lot() -> None:
    vectors = clustered_vectors(4000)
    ivf = VectorIndex.build(32, np.arange(3000), vectors[:3000], threshold=2000)
    ivf.remove(np.array([10, 11]))
    assert ivf.count == 2998 and not ivf.stale
    assert {i for i, _ in ivf.search(vectors[10], 3000)}.isdisjoint({10, 11})
    assert 10 not in set(ivf.ids())
    ivf.add(np.arange(3000, 3500), vectors[3000:3500])
    assert ivf.search(vectors[3100], 1)[0][0] == 3100 and not ivf.stale
    ivf.add(np.arange(3500, 4000), vectors[3500:])  # 62 lists wanted now, not yet twice its 46
    assert not ivf.stale
    ivf.remove(np.arange(0, 3100))
    assert ivf.stale  # under half the threshold: back to exact search

    growing = VectorIndex.build(32, np.arange(2000), vectors[:2000], threshold=2000)
    growing.add(np.arange(2000, 2100), vectors[2000:2100])
    assert growing.kind == "flat" and growing.stale  # time to rebuild as an inverted file

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


def test_an_inverted_file_saves_and_loads_with_its_probes(tmp_path: Path) -> None:
    path = tmp_path / "vectors.faiss"
    vectors = clustered_vectors(3000)
    VectorIndex.build(32, np.arange(3000), vectors, threshold=2000).save(path, generation=2)
    loaded = VectorIndex.load(path, 32, generation=2, count=3000)
    assert loaded is not None and loaded.kind == "ivf"
    assert loaded._index.nprobe == vectors_module.IVF_PROBES
    assert loaded.search(vectors[42], 1)[0][0] == 42


def test_an_inverted_file_of_full_floats_written_before_still_loads_and_searches(tmp_path: Path) -> None:
    import faiss

    path = tmp_path / "vectors.faiss"
    vectors = clustered_vectors(3000)
    older = faiss.IndexIVFFlat(faiss.IndexFlatIP(32), 32, 40, faiss.METRIC_INNER_PRODUCT)
    older.train(vectors)
    older.add_with_ids(vectors, np.arange(3000, dtype=np.int64))
    VectorIndex(older, 32, "ivf", threshold=2000).save(path, generation=3)
    loaded = VectorIndex.load(path, 32, generation=3, count=3000)
    assert loaded is not None and loaded.kind == "ivf" and loaded._index.nprobe == vectors_module.IVF_PROBES
    assert loaded.search(vectors[7], 1)[0][0] == 7


def test_files_of_the_first_format_still_load_hnsw_included(tmp_path: Path) -> None:
    """Knowledge bases saved before format 2 open without a rebuild; an HNSW one is rebuilt at its next removal."""
    import faiss

    vectors = unit_vectors(300)
    for inner, kind in ((faiss.IndexFlatIP(32), "flat"), (faiss.IndexHNSWFlat(32, 8, faiss.METRIC_INNER_PRODUCT),
                                                          "hnsw")):
        index = faiss.IndexIDMap2(inner)
        index.add_with_ids(vectors, np.arange(300, dtype=np.int64))
        payload = faiss.serialize_index(index).tobytes()
        header = vectors_module._HEADER.pack(b"CRVX", 1, 7, 300, len(payload), zlib.crc32(payload))
        (tmp_path / "old.faiss").write_bytes(header + payload)
        loaded = VectorIndex.load(tmp_path / "old.faiss", 32, generation=7, count=300)
        assert loaded is not None and loaded.kind == kind
        assert loaded.search(vectors[5], 1)[0][0] == 5
        loaded.remove(np.array([5]))
        assert loaded.stale == (kind == "hnsw")


def test_a_file_of_an_unknown_format_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "vectors.faiss"
    VectorIndex.build(32, np.arange(30), unit_vectors(30)).save(path, generation=1)
    data = bytearray(path.read_bytes())
    data[4:8] = (3).to_bytes(4, "little")  # a newer Crossroads' file
    path.write_bytes(bytes(data))
    assert VectorIndex.load(path, 32, generation=1, count=30) is None


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
