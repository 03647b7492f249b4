"""Retrieval: meaning (dense) and exact words (keyword) fused by reciprocal rank."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crossroads.errors import InputError, KnowledgeBaseError
from crossroads.rag.embedding import Embedder
from crossroads.rag.retrieval import RRF_K, embedder_for, retrieve
from crossroads.store import KnowledgeBase

DOCUMENTS = {
    "bees.md": "# Bees\n\nHoney bees live in colonies with one queen. Worker bees collect nectar and pollen.",
    "volcano.txt": "Volcanoes erupt when magma rises through the crust of the planet.",
    "parts.txt": "Replacement part ZX-4471 fits the older pump housing only.",
    "football.md": "# Final\n\nThe Denver Broncos beat the Carolina Panthers 24 to 10 in the championship game.",
}


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[KnowledgeBase]:
    folder = tmp_path_factory.mktemp("retrieval")
    for name, text in DOCUMENTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    with KnowledgeBase.open(folder / "kb", create=True) as kb:
        kb.add_paths([folder / name for name in DOCUMENTS], embedder)
        yield kb


def source(hit) -> str:
    return Path(hit.chunk.document_path).name


def test_the_passage_that_answers_comes_first(kb: KnowledgeBase, embedder: Embedder) -> None:
    hits = retrieve(kb, embedder, "Which team won the championship game?", top_k=2)
    assert source(hits[0]) == "football.md"
    assert len(hits) == 2


def test_a_paraphrase_with_no_shared_words_is_found_by_meaning(kb: KnowledgeBase, embedder: Embedder) -> None:
    (hit, *_) = retrieve(kb, embedder, "insects making honey in a hive")
    assert source(hit) == "bees.md"
    assert hit.dense_rank == 1


def test_a_rare_code_is_found_by_its_exact_words(kb: KnowledgeBase, embedder: Embedder) -> None:
    (hit, *_) = retrieve(kb, embedder, "ZX-4471")
    assert source(hit) == "parts.txt"
    assert hit.keyword_rank == 1


def test_scores_are_reciprocal_rank_fusion_best_first(kb: KnowledgeBase, embedder: Embedder) -> None:
    hits = retrieve(kb, embedder, "volcano magma eruption", top_k=4)
    for hit in hits:
        expected = sum(1 / (RRF_K + rank) for rank in (hit.dense_rank, hit.keyword_rank) if rank is not None)
        assert hit.score == pytest.approx(expected)
        assert (hit.dense_score is None) == (hit.dense_rank is None)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert source(hits[0]) == "volcano.txt"
    assert hits[0].dense_rank == 1 and hits[0].keyword_rank == 1


def test_top_k_bounds_the_answer_and_candidates_bound_each_search(kb: KnowledgeBase, embedder: Embedder) -> None:
    assert len(retrieve(kb, embedder, "bees", top_k=10)) == kb.chunk_count()
    assert retrieve(kb, embedder, "bees", top_k=0) == []
    hits = retrieve(kb, embedder, "bees", top_k=3, candidates=1)
    assert all((h.dense_rank or 1) <= 3 and (h.keyword_rank or 1) <= 3 for h in hits)


def test_an_empty_question_is_refused_in_plain_words(kb: KnowledgeBase, embedder: Embedder) -> None:
    with pytest.raises(InputError, match="empty"):
        retrieve(kb, embedder, "  ")


@pytest.mark.parametrize("question", ['"', "NEAR(", "AND OR NOT *", "the of and"])
def test_questions_full_of_search_syntax_still_retrieve_by_meaning(
    kb: KnowledgeBase, embedder: Embedder, question: str
) -> None:
    hits = retrieve(kb, embedder, question)
    assert len(hits) == 4 and all(h.keyword_rank is None for h in hits)


def test_an_empty_knowledge_base_retrieves_nothing(tmp_path: Path, embedder: Embedder) -> None:
    with KnowledgeBase.open(tmp_path / "empty", create=True) as empty:
        assert retrieve(empty, embedder, "anything at all") == []


def test_a_knowledge_base_built_with_another_model_refuses_this_embedder(
    tmp_path: Path, embedder: Embedder
) -> None:
    with (
        KnowledgeBase.open(tmp_path / "other", create=True, embedding_model="e5-large") as other,
        pytest.raises(KnowledgeBaseError, match="e5-large"),
    ):
        retrieve(other, embedder, "bees")


def test_the_embedder_for_a_knowledge_base_is_the_one_that_built_it(kb: KnowledgeBase, embedder: Embedder) -> None:
    assert embedder_for(kb).model_path == embedder.model_path
    assert embedder_for(kb, "all-minilm-l6-v2").name == embedder.name
