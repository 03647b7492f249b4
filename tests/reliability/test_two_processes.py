"""Two processes on one knowledge base, as when the app and the CLI both have it open: while one indexes, a
second writer is refused in plain words and readers carry on; nothing is corrupted."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from .corpus import write_corpus
from .harness import finish, inspect, run, start

pytestmark = pytest.mark.reliability

BUSY = "is being updated by another Crossroads window or command; try again when it finishes"


def test_a_second_indexer_is_refused_while_readers_carry_on(tmp_path: Path, embedding_model_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    write_corpus(first, files=40, seed=4)
    write_corpus(second, files=3, seed=5)
    kb = tmp_path / "kb"
    model = ["--embedding-model", str(embedding_model_path)]
    assert run(["index", str(second), "--kb", str(kb), *model], tmp_path / "seed.log", forked=True).code == 0

    log = tmp_path / "writer.log"
    began = time.monotonic()
    writer = start(["index", str(first), "--kb", str(kb), *model], log)
    while "embedding" not in log.read_text(encoding="utf-8") and writer.poll() is None:
        time.sleep(0.05)
    (second / "late.md").write_text("# Late\n\nA file added while another run indexes.", encoding="utf-8")
    refused = run(["index", str(second), "--kb", str(kb), *model], tmp_path / "refused.log")
    shown = run(["kb", "show", str(kb)], tmp_path / "show.log")
    still_running = writer.poll() is None
    done = finish(writer, log, began)

    assert still_running, "the first run ended before the second started: make the corpus larger"
    assert refused.code == 2 and f"crossroads: The knowledge base “kb” {BUSY}." in refused.stderr
    assert shown.code == 0, shown.stderr
    assert done.code == 0, done.stderr[-3000:]
    verdict = inspect(kb, {}, set(), 200)
    assert verdict.problems == []
    assert len(verdict.documents) == 43
    assert run(["index", str(second), "--kb", str(kb), *model], tmp_path / "after.log", forked=True).code == 0
    assert len(inspect(kb, {}, set(), 200).documents) == 44
