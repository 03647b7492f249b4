"""Nothing lost: a real indexing process killed with SIGKILL mid-run leaves a knowledge base that opens,
agrees with itself, and finishes indexing when asked again."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from crossroads.rag.embedding import Embedder
from crossroads.store import KnowledgeBase
from crossroads.store.knowledge_base import DB_NAME

FILES = 80

INDEXER = """
import sys
from pathlib import Path
from crossroads.rag.embedding import Embedder
from crossroads.store import KnowledgeBase, indexer

indexer.EMBED_GROUP_CHUNKS = 4  # commit often, so the kill lands between and inside commits
model, kb_path, folder = sys.argv[1:4]
with KnowledgeBase.open(Path(kb_path), create=True) as kb:
    kb.add_paths([Path(folder)], Embedder(Path(model)), chunk_tokens=24, chunk_overlap=6)
"""


def indexed_documents(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return conn.execute("SELECT count(*) FROM documents WHERE state = 'indexed'").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0  # not created yet, or mid-creation


@pytest.mark.slow
def test_a_killed_indexing_run_leaves_a_consistent_knowledge_base_that_can_finish(
    tmp_path: Path, embedder: Embedder, consistent: Callable[[KnowledgeBase], None]
) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(FILES):
        sentences = " ".join(f"Report {i} finding {j} concerns topic {i * 7 + j}." for j in range(6))
        (folder / f"report-{i:03}.txt").write_text(sentences, encoding="utf-8")
    kb_path = tmp_path / "kb"
    process = subprocess.Popen(
        [sys.executable, "-c", INDEXER, str(embedder.model_path), str(kb_path), str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 180
        while indexed_documents(kb_path / DB_NAME) < 5:
            if process.poll() is not None:
                pytest.fail(f"the indexer ended early: {process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
            if time.monotonic() > deadline:
                pytest.fail("the indexer made no progress in 180 s")
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()  # type: ignore[union-attr]
    done_before = indexed_documents(kb_path / DB_NAME)
    assert 5 <= done_before < FILES

    with KnowledgeBase.open(kb_path) as kb:
        consistent(kb)
        summary = kb.add_paths([folder], embedder, chunk_tokens=24, chunk_overlap=6)
        assert summary.skipped == done_before
        assert summary.indexed == FILES - done_before
        assert summary.failed == 0
        consistent(kb)
        (top, _), *_ = kb.dense_search(embedder.encode_query("Report 42 finding 3"), 1)
        assert kb.chunk(top).document_path.endswith(".txt")
