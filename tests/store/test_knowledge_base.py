"""The knowledge base: incremental indexing of real files, failures recorded, changes mirrored everywhere."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from crossroads.cancel import CancelToken
from crossroads.errors import Cancelled, InputError, KnowledgeBaseError
from crossroads.ingest import load_document
from crossroads.rag.embedding import Embedder
from crossroads.store import IndexEvent, KnowledgeBase
from crossroads.store import indexer as indexer_module

Check = Callable[[KnowledgeBase], None]


def chunk_ids_of(kb: KnowledgeBase, name: str) -> set[int]:
    (doc,) = [d for d in kb.documents() if d.path.endswith(name)]
    return {r[0] for r in kb._conn.execute("SELECT id FROM chunks WHERE document_id = ?", (doc.id,))}


def test_a_new_knowledge_base_is_empty_and_not_yet_bound_to_a_model(kb: KnowledgeBase) -> None:
    assert kb.documents() == []
    assert kb.chunk_count() == 0
    assert (kb.embedding_model, kb.dim) == ("", None)
    assert kb.dense_search(np.ones(384, dtype=np.float32), 5) == []
    assert kb.keyword_search("bees", 5) == []
    assert kb.name == "kb"


def test_opening_a_knowledge_base_that_does_not_exist_says_so_and_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeBaseError, match="no knowledge base"):
        KnowledgeBase.open(tmp_path / "nowhere")
    assert not (tmp_path / "nowhere").exists()


def test_a_file_is_not_a_knowledge_base_folder(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(KnowledgeBaseError, match="is a file"):
        KnowledgeBase.open(tmp_path / "notes.txt", create=True)


def test_adding_a_folder_indexes_every_file_with_its_details(
    kb: KnowledgeBase, docs: Path, embedder: Embedder, consistent: Check
) -> None:
    summary = kb.add_paths([docs], embedder)
    assert (summary.indexed, summary.skipped, summary.failed, summary.removed) == (3, 0, 0, 0)
    assert summary.chunks_added == kb.chunk_count() >= 3
    records = {Path(d.path).name: d for d in kb.documents()}
    assert set(records) == {"bees.md", "tax.md", "volcano.txt"}
    bees = records["bees.md"]
    data = (docs / "bees.md").read_bytes()
    assert (bees.state, bees.error, bees.kind, bees.title) == ("indexed", None, "markdown", "Bees")
    assert (bees.sha256, bees.size) == (hashlib.sha256(data).hexdigest(), len(data))
    assert Path(bees.path) == (docs / "bees.md").resolve()
    assert (kb.embedding_model, kb.dim, kb.embedding_model_path) == (embedder.name, 384, embedder.model_path)
    consistent(kb)


def test_adding_unchanged_files_again_skips_them(kb: KnowledgeBase, docs: Path, embedder: Embedder) -> None:
    kb.add_paths([docs], embedder)
    before = {d.path: d.id for d in kb.documents()}, kb.chunk_count()
    events: list[IndexEvent] = []
    summary = kb.add_paths([docs], embedder, on_event=events.append)
    assert (summary.indexed, summary.skipped, summary.chunks_added) == (0, 3, 0)
    assert ({d.path: d.id for d in kb.documents()}, kb.chunk_count()) == before
    assert [e.message for e in events if e.kind == "skipped"] == ["unchanged"] * 3
    assert not [e for e in events if e.kind == "embedding"]


def test_a_changed_file_replaces_only_its_own_chunks(
    kb: KnowledgeBase, docs: Path, embedder: Embedder, consistent: Check
) -> None:
    kb.add_paths([docs], embedder)
    bees_before, tax_before = chunk_ids_of(kb, "bees.md"), chunk_ids_of(kb, "tax.md")
    (docs / "volcano.txt").write_text("Geysers spout hot water in Iceland.", encoding="utf-8")
    summary = kb.add_paths([docs], embedder)
    assert (summary.indexed, summary.skipped) == (1, 2)
    assert (chunk_ids_of(kb, "bees.md"), chunk_ids_of(kb, "tax.md")) == (bees_before, tax_before)
    assert kb.keyword_search("magma", 5) == []
    assert kb.chunks([i for i, _ in kb.keyword_search("geysers", 5)])[0].document_path.endswith("volcano.txt")
    consistent(kb)


def test_changing_the_chunk_settings_indexes_unchanged_files_again(
    kb: KnowledgeBase, docs: Path, embedder: Embedder
) -> None:
    kb.add_paths([docs], embedder)
    summary = kb.add_paths([docs], embedder, chunk_tokens=16, chunk_overlap=4)
    assert summary.indexed == 3
    assert kb.chunk_count() > 3


def test_removing_a_document_deletes_its_chunks_vectors_and_keywords(
    kb: KnowledgeBase, docs: Path, embedder: Embedder, consistent: Check
) -> None:
    kb.add_paths([docs], embedder)
    gone = chunk_ids_of(kb, "volcano.txt")
    assert kb.remove(docs / "volcano.txt") is True
    assert kb.remove(docs / "volcano.txt") is False
    assert kb.keyword_search("magma volcanoes", 10) == []
    hits = kb.dense_search(embedder.encode_query("volcano eruption"), 50)
    assert hits and not gone & {i for i, _ in hits}
    assert [Path(d.path).name for d in kb.documents()] == ["bees.md", "tax.md"]
    consistent(kb)


def test_an_unreadable_file_is_recorded_as_failed_with_its_reason_and_the_rest_is_indexed(
    kb: KnowledgeBase, docs: Path, embedder: Embedder, consistent: Check
) -> None:
    (docs / "broken.pdf").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 4)
    (docs / "empty.txt").write_text("")
    events: list[IndexEvent] = []
    summary = kb.add_paths([docs / "broken.pdf", docs / "empty.txt", docs], embedder, on_event=events.append)
    assert (summary.indexed, summary.failed) == (3, 2)
    failed = {Path(d.path).name: d for d in kb.documents() if d.state == "failed"}
    assert set(failed) == {"broken.pdf", "empty.txt"}
    for record in failed.values():
        assert record.chunks == 0
        assert record.error and "Traceback" not in record.error
        assert summary.failures[str(docs / Path(record.path).name)] == record.error
    assert {e.path.name: e.message for e in events if e.kind == "failed" and e.path} == {
        name: r.error for name, r in failed.items()
    }
    consistent(kb)


def test_a_file_that_became_unreadable_is_marked_failed_and_its_old_passages_go(
    kb: KnowledgeBase, tmp_path: Path, embedder: Embedder, consistent: Check
) -> None:
    report = tmp_path / "report.txt"
    report.write_text("Quarterly revenue grew by twelve percent.", encoding="utf-8")
    kb.add_paths([report], embedder)
    report.write_text("")
    assert kb.add_paths([report], embedder).failed == 1
    (record,) = kb.documents()
    assert (record.state, record.chunks) == ("failed", 0)
    assert kb.keyword_search("revenue", 5) == []
    consistent(kb)


def test_a_path_that_does_not_exist_fails_alone(kb: KnowledgeBase, docs: Path, embedder: Embedder) -> None:
    summary = kb.add_paths([docs / "nope.pdf", docs], embedder)
    assert (summary.indexed, summary.failed) == (3, 1)
    assert "does not exist" in summary.failures[str(docs / "nope.pdf")]


def test_files_deleted_from_a_folder_are_forgotten_when_the_folder_is_added_again(
    kb: KnowledgeBase, docs: Path, embedder: Embedder, consistent: Check
) -> None:
    kb.add_paths([docs], embedder)
    (docs / "tax.md").unlink()
    events: list[IndexEvent] = []
    summary = kb.add_paths([docs], embedder, on_event=events.append)
    assert (summary.removed, summary.skipped) == (1, 2)
    assert [e.path.name for e in events if e.kind == "removed" and e.path] == ["tax.md"]
    assert kb.keyword_search("invoice", 5) == []
    consistent(kb)


def test_events_tell_each_files_story_and_end_with_done(kb: KnowledgeBase, docs: Path, embedder: Embedder) -> None:
    events: list[IndexEvent] = []
    kb.add_paths([docs], embedder, on_event=events.append)
    kinds = [e.kind for e in events]
    assert kinds[:3] == ["queued"] * 3 and kinds[-1] == "done"
    assert kinds.count("reading") == kinds.count("indexed") == 3
    indexed = [e for e in events if e.kind == "indexed"]
    assert sum(e.chunks for e in indexed) == kb.chunk_count()
    embedding = [e for e in events if e.kind == "embedding"]
    assert embedding[0].done == 0 and embedding[-1].done == embedding[-1].total == kb.chunk_count()
    progress = [(e.done, e.total) for e in events if e.kind == "progress"]
    assert progress == [(1, 3), (2, 3), (3, 3)]


def test_chunk_records_point_back_to_their_exact_passage(kb: KnowledgeBase, docs: Path, embedder: Embedder) -> None:
    kb.add_paths([docs / "tax.md"], embedder, chunk_tokens=16, chunk_overlap=0)
    ids = [r[0] for r in kb._conn.execute("SELECT id FROM chunks ORDER BY id")]
    text = load_document(docs / "tax.md").text
    for record in kb.chunks(ids):
        assert text[record.start : record.end] == record.text
        assert (record.document_title, record.kind) == ("Invoices", "markdown")
    assert kb.chunk(ids[-1]).heading == "Late payment"
    assert [c.id for c in kb.chunks([ids[1], 999_999, ids[0]])] == [ids[1], ids[0]]
    with pytest.raises(KnowledgeBaseError, match="no longer"):
        kb.chunk(999_999)


def test_a_knowledge_base_refuses_a_second_embedding_model(
    open_kb: Callable[..., KnowledgeBase], docs: Path, embedder: Embedder, tmp_path: Path
) -> None:
    kb = open_kb("bound")
    kb.add_paths([docs / "bees.md"], embedder)
    kb.close()
    with pytest.raises(KnowledgeBaseError) as error:
        KnowledgeBase.open(tmp_path / "bound", embedding_model="paraphrase-multilingual")
    assert "all-MiniLM-L6-v2" in error.value.message and "paraphrase-multilingual" in error.value.message

    other = tmp_path / "other-model"
    other.symlink_to(embedder.model_path, target_is_directory=True)
    kb = open_kb("bound")
    with pytest.raises(KnowledgeBaseError, match="other-model"):
        kb.add_paths([docs / "tax.md"], Embedder(other, cache_dir=tmp_path / "onnx"))  # its export stays here
    assert len(kb.documents()) == 1


def test_chunks_longer_than_the_model_reads_are_refused_before_any_work(
    kb: KnowledgeBase, docs: Path, embedder: Embedder
) -> None:
    with pytest.raises(InputError, match="254"):
        kb.add_paths([docs], embedder, chunk_tokens=300)
    assert kb.documents() == []


def test_cancelling_between_files_keeps_the_files_already_committed(
    kb: KnowledgeBase, docs: Path, embedder: Embedder, consistent: Check, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(indexer_module, "EMBED_GROUP_CHUNKS", 1)  # commit file by file
    token = CancelToken()

    def on_event(event: IndexEvent) -> None:
        if event.kind == "indexed":
            token.cancel()

    with pytest.raises(Cancelled):
        kb.add_paths([docs], embedder, cancel=token, on_event=on_event)
    assert [d.state for d in kb.documents()] == ["indexed"]
    consistent(kb)
    assert kb.add_paths([docs], embedder).indexed == 2
    consistent(kb)


def test_cancelling_while_embedding_commits_nothing_of_that_batch(
    kb: KnowledgeBase, docs: Path, embedder: Embedder, consistent: Check
) -> None:
    token = CancelToken()

    def on_event(event: IndexEvent) -> None:
        if event.kind == "embedding":
            token.cancel()

    with pytest.raises(Cancelled):
        kb.add_paths([docs], embedder, cancel=token, on_event=on_event)
    assert kb.documents() == [] and kb.chunk_count() == 0
    consistent(kb)


def test_a_closed_knowledge_base_says_so(kb: KnowledgeBase) -> None:
    kb.close()
    kb.close()  # closing twice is harmless
    with pytest.raises(KnowledgeBaseError, match="closed"):
        kb.documents()


def test_past_the_ivf_threshold_every_change_still_reaches_the_index(
    kb: KnowledgeBase, docs: Path, embedder: Embedder, consistent: Check, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crossroads.store import vectors

    monkeypatch.setattr(vectors, "IVF_THRESHOLD", 3)  # stands in for 200k chunks
    kb.add_paths([docs], embedder, chunk_tokens=12, chunk_overlap=0)
    assert kb.chunk_count() > 3 and kb._mirror.index is not None and kb._mirror.index.kind == "ivf"
    consistent(kb)
    kb.remove(docs / "bees.md")  # deleted in place
    (docs / "tax.md").write_text("Invoices are now kept for twelve years.", encoding="utf-8")
    kb.add_paths([docs], embedder, chunk_tokens=12, chunk_overlap=0)
    consistent(kb)
    (top, _), *_ = kb.dense_search(embedder.encode_query("how long are invoices kept"), 1)
    assert "twelve years" in kb.chunk(top).text


def test_a_full_disk_stops_indexing_with_a_plain_message_and_keeps_what_was_indexed(
    kb: KnowledgeBase, docs: Path, embedder: Embedder, consistent: Check, tmp_path: Path
) -> None:
    kb.add_paths([docs / "bees.md"], embedder)
    big = tmp_path / "big.txt"
    big.write_text(" ".join(f"Sentence {i} about logistics and shipping." for i in range(600)), encoding="utf-8")
    pages = kb._conn.execute("PRAGMA page_count").fetchone()[0]
    kb._conn.execute(f"PRAGMA max_page_count = {pages + 2}")  # a real SQLITE_FULL, as on a full disk
    with pytest.raises(KnowledgeBaseError) as error:
        kb.add_paths([big], embedder)
    assert "no space left" in error.value.message
    kb._conn.execute("PRAGMA max_page_count = 1073741823")
    assert [Path(d.path).name for d in kb.documents()] == ["bees.md"]
    consistent(kb)
    assert kb.add_paths([big], embedder).indexed == 1
