"""A full disk: indexing stops with a plain message, and the knowledge base is left as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from .corpus import write_corpus
from .harness import fill, inspect, run

pytestmark = pytest.mark.reliability

FULL = "The disk is full"


def index_args(folder: Path, kb: Path, model: Path) -> list[str]:
    return ["index", str(folder), "--kb", str(kb), "--embedding-model", str(model)]


def test_the_disk_filling_up_while_indexing_keeps_what_was_indexed(
    tmp_path: Path, small_disk: Path, embedding_model_path: Path
) -> None:
    first, rest = tmp_path / "first", tmp_path / "rest"
    write_corpus(first, files=4, seed=1)
    write_corpus(rest, files=24, seed=2)
    kb = small_disk / "kb"
    assert run(index_args(first, kb, embedding_model_path), tmp_path / "first.log", forked=True).code == 0
    earlier = inspect(kb, {}, set(), 200).documents
    filler = fill(small_disk, leave=150_000)

    result = run(index_args(rest, kb, embedding_model_path), tmp_path / "full.log")

    assert result.code == 2, result.stderr[-3000:]
    assert f"crossroads: {FULL}" in result.stderr
    assert "Traceback" not in result.stderr and "damaged" not in result.stderr
    verdict = inspect(kb, earlier, set(), 200, copy=False)  # opened where it is, on the full disk
    assert verdict.problems == [] and verdict.lost == []
    filler.unlink()
    result = run(index_args(rest, kb, embedding_model_path), tmp_path / "after.log", forked=True)
    assert result.code == 0, result.stderr[-3000:]
    assert inspect(kb, {}, set(), 200).documents.keys() >= earlier.keys()
    assert len(inspect(kb, {}, set(), 200).documents) == 4 + 24


def test_a_new_knowledge_base_on_a_full_disk_is_refused_plainly(
    tmp_path: Path, small_disk: Path, embedding_model_path: Path
) -> None:
    folder = tmp_path / "docs"
    write_corpus(folder, files=2, seed=3)
    fill(small_disk, leave=0)
    result = run(index_args(folder, small_disk / "kb", embedding_model_path), tmp_path / "new.log")
    assert result.code == 2, result.stderr[-3000:]
    assert f"crossroads: {FULL}" in result.stderr, result.stderr[-3000:]
    assert "damaged" not in result.stderr
