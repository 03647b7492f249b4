"""One contract, two stores: the embedded SQLite + FAISS knowledge base and the shared PostgreSQL + pgvector one
behave the same for indexing, re-indexing, removal, both searches and retrieval, on real files and the real
embedder. The PostgreSQL case runs on a real server the session starts (see ``postgres_server``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from crossroads.errors import KnowledgeBaseError
from crossroads.rag.embedding import Embedder
from crossroads.rag.retrieval import retrieve
from crossroads.store.registry import open_knowledge_base

Opener = Callable[[], Any]


@pytest.fixture(params=["sqlite", "postgres"])
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    """Opens (creating) the same knowledge base again and again, on the backend of the test's parameter, through
    the one function the command line uses; closes every handle at the end."""
    spec = str(tmp_path / "kb") if request.param == "sqlite" else request.getfixturevalue("postgres_kb_url")
    opened: list[Any] = []

    def open_() -> Any:
        kb = open_knowledge_base(spec, create=True)
        opened.append(kb)
        return kb

    yield open_
    for kb in opened:
        kb.close()


@pytest.fixture
def store(open_store: Opener) -> Any:
    return open_store()


def name_of(kb: Any, chunk_id: int) -> str:
    return Path(kb.chunk(chunk_id).document_path).name


def assert_consistent(kb: Any) -> None:
    """Every document's passage count matches its passages, and the store's own check finds nothing."""
    documents = kb.documents()
    assert sum(len(kb.document_chunks(d.id)) for d in documents) == kb.chunk_count()
    for document in documents:
        assert len(kb.document_chunks(document.id)) == document.chunks
        assert (document.state == "failed") == (document.error is not None)
    assert kb.check() == []


def test_a_new_store_is_empty_and_searches_find_nothing(store: Any) -> None:
    assert (store.documents(), store.chunk_count(), store.embedding_model, store.dim) == ([], 0, "", None)
    assert store.dense_search(np.ones(384, dtype=np.float32), 5) == []
    assert store.keyword_search("bees", 5) == []
    assert store.check() == []


def test_indexing_real_files_stores_each_document_with_its_passages(
    store: Any, docs: Path, embedder: Embedder
) -> None:
    summary = store.add_paths([docs], embedder)
    assert (summary.indexed, summary.skipped, summary.failed) == (3, 0, 0)
    assert summary.chunks_added == store.chunk_count() >= 3
    records = {Path(d.path).name: d for d in store.documents()}
    assert set(records) == {"bees.md", "tax.md", "volcano.txt"}
    assert (records["bees.md"].title, records["bees.md"].kind, records["bees.md"].state) == ("Bees", "markdown",
                                                                                             "indexed")
    assert (store.embedding_model, store.dim) == (embedder.name, embedder.dim)
    passages = store.document_chunks(records["tax.md"].id)
    assert [p.start for p in passages] == sorted(p.start for p in passages)
    assert "Late payment" in " ".join(p.text for p in passages)
    assert_consistent(store)


def test_indexing_again_skips_unchanged_files_and_the_data_survives_reopening(
    open_store: Opener, docs: Path, embedder: Embedder
) -> None:
    with open_store() as kb:
        kb.add_paths([docs], embedder)
        before = (kb.chunk_count(), [d.sha256 for d in kb.documents()])
    with open_store() as kb:
        summary = kb.add_paths([docs], embedder)
        assert (summary.indexed, summary.skipped) == (0, 3)
        assert (kb.chunk_count(), [d.sha256 for d in kb.documents()]) == before


def test_a_changed_file_replaces_its_passages_and_only_its_own(store: Any, docs: Path, embedder: Embedder) -> None:
    store.add_paths([docs], embedder)
    old = {d.id: [c.id for c in store.document_chunks(d.id)] for d in store.documents()}
    (volcano,) = [d for d in store.documents() if d.path.endswith("volcano.txt")]
    (docs / "volcano.txt").write_text("Geysers in Iceland spout boiling water every few minutes.", encoding="utf-8")
    summary = store.add_paths([docs], embedder)
    assert (summary.indexed, summary.skipped) == (1, 2)
    assert all("Etna" not in c.text for c in store.chunks(old[volcano.id]))  # SQLite may reuse a freed id
    assert [c.text for c in store.document_chunks(volcano.id)] == [
        "Geysers in Iceland spout boiling water every few minutes."
    ]
    (hit, _), *_ = store.keyword_search("geysers Iceland", 3)
    assert name_of(store, hit) == "volcano.txt"
    assert store.keyword_search("Etna", 3) == []
    for document_id, ids in old.items():
        if document_id != volcano.id:
            assert [c.id for c in store.chunks(ids)] == ids
    assert_consistent(store)


def test_removing_a_document_forgets_its_passages_everywhere(store: Any, docs: Path, embedder: Embedder) -> None:
    store.add_paths([docs], embedder)
    assert store.remove(docs / "volcano.txt") is True
    assert sorted(Path(d.path).name for d in store.documents()) == ["bees.md", "tax.md"]
    assert store.keyword_search("volcano Etna", 5) == []
    dense = store.dense_search(embedder.encode_query("Which volcano erupts in Sicily?"), 10)
    assert "volcano.txt" not in {name_of(store, i) for i, _ in dense}
    assert store.remove(docs / "volcano.txt") is False
    assert_consistent(store)


def test_a_deleted_file_is_forgotten_when_its_folder_is_indexed_again(
    store: Any, docs: Path, embedder: Embedder
) -> None:
    store.add_paths([docs], embedder)
    (docs / "bees.md").unlink()
    summary = store.add_paths([docs], embedder)
    assert (summary.removed, summary.skipped) == (1, 2)
    assert sorted(Path(d.path).name for d in store.documents()) == ["tax.md", "volcano.txt"]
    assert_consistent(store)


def test_a_file_with_no_text_is_recorded_as_failed_with_the_reason(
    store: Any, docs: Path, embedder: Embedder
) -> None:
    (docs / "empty.txt").write_text("   \n", encoding="utf-8")
    summary = store.add_paths([docs], embedder)
    assert (summary.indexed, summary.failed) == (3, 1)
    (empty,) = [d for d in store.documents() if d.path.endswith("empty.txt")]
    assert (empty.state, empty.chunks) == ("failed", 0)
    assert "no text" in (empty.error or "")
    assert_consistent(store)


def test_dense_search_finds_the_passage_with_the_meaning_best_first(
    store: Any, docs: Path, embedder: Embedder
) -> None:
    store.add_paths([docs], embedder)
    hits = store.dense_search(embedder.encode_query("How many insects live in one hive?"), 3)
    assert name_of(store, hits[0][0]) == "bees.md"
    scores = [score for _, score in hits]
    assert scores == sorted(scores, reverse=True) and 0.2 < scores[0] <= 1.0


def test_keyword_search_matches_any_content_word_and_ranks_the_passage_that_has_it(
    store: Any, docs: Path, embedder: Embedder
) -> None:
    store.add_paths([docs], embedder)
    hits = store.keyword_search("What about zebras, unicorns and the supplier VAT number?", 5)
    assert hits and name_of(store, hits[0][0]) == "tax.md"
    assert all(score > 0 for _, score in hits)
    # stemmed as the SQLite index is: "erupting" finds "erupt"
    assert {name_of(store, i) for i, _ in store.keyword_search("erupting", 5)} == {"volcano.txt"}
    assert store.keyword_search("the and of", 5) == []  # only stop-words: nothing to search


def test_mentions_tells_which_terms_appear_somewhere(store: Any, docs: Path, embedder: Embedder) -> None:
    store.add_paths([docs], embedder)
    assert store.mentions(["Mount Etna", "VAT number", "Zorbanian", "hive"]) == {"Mount Etna", "VAT number", "hive"}


def test_retrieve_end_to_end_puts_the_answering_passage_first(store: Any, docs: Path, embedder: Embedder) -> None:
    store.add_paths([docs], embedder)
    hits = retrieve(store, embedder, "What interest is added for late payment?", top_k=2)
    assert Path(hits[0].chunk.document_path).name == "tax.md"
    assert "eight percent" in hits[0].chunk.text
    assert hits[0].dense_rank is not None and hits[0].keyword_rank is not None


def test_a_question_embedded_with_another_dimension_is_refused_with_the_model_to_use(
    store: Any, docs: Path, embedder: Embedder
) -> None:
    store.add_paths([docs], embedder)
    with pytest.raises(KnowledgeBaseError, match=r"embedded with 5 dimensions, but this knowledge base holds 384"):
        store.dense_search(np.ones(5, dtype=np.float32), 3)


def test_another_embedding_model_is_refused_once_one_is_bound(store: Any, docs: Path, embedder: Embedder) -> None:
    store.add_paths([docs], embedder)
    with pytest.raises(KnowledgeBaseError, match="was built with the embedding model"):
        store._bind_model("some-other-model", None, 768)
    assert store.embedding_model == embedder.name
