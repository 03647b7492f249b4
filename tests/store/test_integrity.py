"""``KnowledgeBase.check`` finds every way the derived parts can drift from the documents; ``repair`` mends them
from SQLite without re-reading a file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from crossroads.faults import ENV as FAULT_ENV
from crossroads.rag.embedding import Embedder
from crossroads.store import KnowledgeBase
from crossroads.store.knowledge_base import VECTORS_NAME

Check = Callable[[KnowledgeBase], None]


@pytest.fixture
def filled(kb: KnowledgeBase, docs: Path, embedder: Embedder) -> KnowledgeBase:
    kb.add_paths([docs], embedder, chunk_tokens=16, chunk_overlap=0)
    return kb


def test_a_knowledge_base_just_indexed_has_no_problems(filled: KnowledgeBase) -> None:
    assert filled.check() == []


def test_an_empty_knowledge_base_has_no_problems(kb: KnowledgeBase) -> None:
    assert kb.check() == []


def damage_everything(kb: KnowledgeBase) -> None:
    conn = kb._conn
    conn.execute("DELETE FROM chunks_fts WHERE rowid = (SELECT min(id) FROM chunks)")
    conn.execute("INSERT INTO chunks_fts (rowid, text, heading, title) VALUES (999999, 'stray', '', 'x')")
    conn.execute("UPDATE documents SET chunks = chunks + 5 WHERE id = (SELECT min(id) FROM documents)")
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute('INSERT INTO chunks (document_id, ordinal, start, "end", tokens, text, vector) '
                 "VALUES (424242, 0, 0, 5, 2, 'orphan', ?)", (np.ones(kb.dim or 0, np.float32).tobytes(),))
    conn.execute("PRAGMA foreign_keys = ON")
    kb._mirror.index.remove(np.array([conn.execute("SELECT max(id) FROM chunks WHERE document_id != 424242")
                                      .fetchone()[0]], dtype=np.int64))


def test_every_drift_is_named_in_plain_words(filled: KnowledgeBase) -> None:
    damage_everything(filled)
    assert filled.check() == [
        "1 passages belong to no document",
        "2 passages are missing from the keyword index",  # the orphan, and the one taken out of FTS
        "1 keyword index entries belong to no passage",
        "1 documents show a wrong number of passages",
        "2 passages are missing from the search index",  # the orphan, and the one taken out of FAISS
    ]


def test_repair_mends_the_drift_from_sqlite(
    filled: KnowledgeBase, embedder: Embedder, consistent: Check
) -> None:
    damage_everything(filled)
    assert len(filled.repair()) == 5
    assert filled.check() == []
    consistent(filled)
    (top, _), *_ = filled.dense_search(embedder.encode_query("how many bees live in a hive"), 1)
    assert filled.chunk(top).document_path.endswith("bees.md")
    assert filled.repair() == []


def test_half_written_faiss_files_of_dead_processes_are_cleared_on_open(
    filled: KnowledgeBase, open_kb: Callable[..., KnowledgeBase], tmp_path: Path
) -> None:
    filled.close()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    orphan = tmp_path / "kb" / f"{VECTORS_NAME}.{dead.pid}.tmp"
    orphan.write_bytes(b"CRVX half")
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        busy = tmp_path / "kb" / f"{VECTORS_NAME}.{alive.pid}.tmp"
        busy.write_bytes(b"CRVX being written")
        open_kb(create=False)
        assert not orphan.exists()
        assert busy.exists()  # its writer may still rename it
    finally:
        alive.kill()
        alive.wait()


def test_the_fault_hook_kills_the_process_at_the_named_point(tmp_path: Path) -> None:
    script = "from crossroads import faults\nfor i in range(5):\n    print(i, flush=True)\n    faults.reach('x')\n"
    env = {**os.environ, FAULT_ENV: "x:3"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == -signal.SIGKILL
    assert done.stdout.split() == ["0", "1", "2"]
