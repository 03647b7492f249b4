"""One writer per knowledge base across processes: a second one is told plainly to wait; readers never wait;
a writer that dies (even SIGKILLed) leaves no lock behind."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from crossroads.errors import KnowledgeBaseError
from crossroads.rag.embedding import Embedder
from crossroads.store import KnowledgeBase

BUSY = "is being updated by another Crossroads window or command; try again when it finishes"

HOLDER = """
import sys, time
from pathlib import Path
from crossroads.store import KnowledgeBase
with KnowledgeBase.open(Path(sys.argv[1])) as kb, kb._writes.held():
    print("holding", flush=True)
    time.sleep(60)
"""


@pytest.fixture
def built(kb: KnowledgeBase, docs: Path, embedder: Embedder) -> KnowledgeBase:
    kb.add_paths([docs], embedder)
    return kb


@pytest.fixture
def other_writer(built: KnowledgeBase) -> Iterator[subprocess.Popen[str]]:
    """Another process in the middle of changing the same knowledge base."""
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(built.path)], stdout=subprocess.PIPE, text=True,
                               env=dict(os.environ))
    assert process.stdout is not None and process.stdout.readline().strip() == "holding"
    yield process
    process.kill()
    process.wait()
    process.stdout.close()


def test_a_second_writer_is_told_to_wait_while_readers_carry_on(
    built: KnowledgeBase, other_writer: subprocess.Popen[str], docs: Path, embedder: Embedder, tmp_path: Path
) -> None:
    extra = tmp_path / "moon.txt"
    extra.write_text("The Moon orbits the Earth every twenty-seven days.", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=BUSY):
        built.add_paths([extra], embedder)
    with pytest.raises(KnowledgeBaseError, match=BUSY):
        built.remove(docs / "bees.md")
    assert len(built.documents()) == 3
    assert built.keyword_search("volcano magma", 3)
    assert built.dense_search(embedder.encode_query("bees in a hive"), 3)


def test_a_killed_writer_leaves_no_lock(
    built: KnowledgeBase, other_writer: subprocess.Popen[str], docs: Path
) -> None:
    other_writer.kill()
    other_writer.wait()
    assert built.remove(docs / "bees.md")
    assert built.check() == []


def test_threads_of_one_process_share_its_lock(built: KnowledgeBase, docs: Path) -> None:
    removed: list[bool] = []
    with built._writes.held():  # as while the app indexes on one thread and removes on another
        thread = threading.Thread(target=lambda: removed.append(built.remove(docs / "bees.md")))
        thread.start()
        thread.join()
    assert removed == [True]
