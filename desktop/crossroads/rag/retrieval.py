"""Finding the passages that answer a question: dense (meaning) and keyword (exact words) search, fused.

Reciprocal-rank fusion (Cormack et al., 2009) adds 1/(60 + rank) from each list. It needs no score calibration
between cosine and BM25, and a passage found by both searches rises above one found by only one. Dense search
catches paraphrases; keyword search catches names, numbers and rare terms a small embedder blurs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crossroads.errors import InputError, KnowledgeBaseError
from crossroads.rag.embedding import Embedder
from crossroads.store.knowledge_base import KnowledgeBase
from crossroads.store.records import ChunkRecord

RRF_K = 60


@dataclass(frozen=True)
class Hit:
    """A retrieved passage. ``score`` is the fused score; the ranks are 1-based, None when not found there."""

    chunk: ChunkRecord
    score: float
    dense_score: float | None
    dense_rank: int | None
    keyword_rank: int | None


def retrieve(
    kb: KnowledgeBase,
    embedder: Embedder,
    question: str,
    top_k: int = 4,
    candidates: int = 40,
    query_vector: np.ndarray | None = None,
) -> list[Hit]:
    """The ``top_k`` best passages for ``question``, best first; ``query_vector`` is the question's embedding when
    the caller already has it (the documents column needs it again to pick sentences)."""
    if not question.strip():
        raise InputError("The question is empty.")
    check_embedder(kb, embedder)
    if top_k <= 0:
        return []
    pool = max(candidates, top_k)
    if query_vector is None:
        query_vector = embedder.encode_query(question)
    dense = kb.dense_search(query_vector, pool)
    keyword = kb.keyword_search(question, pool)
    return fuse(kb, dense, keyword, top_k)


def fuse(
    kb: KnowledgeBase, dense: list[tuple[int, float]], keyword: list[tuple[int, float]], top_k: int
) -> list[Hit]:
    dense_rank = {chunk_id: rank for rank, (chunk_id, _) in enumerate(dense, start=1)}
    dense_score = dict(dense)
    keyword_rank = {chunk_id: rank for rank, (chunk_id, _) in enumerate(keyword, start=1)}
    fused: dict[int, float] = {}
    for ranks in (dense_rank, keyword_rank):
        for chunk_id, rank in ranks.items():
            fused[chunk_id] = fused.get(chunk_id, 0.0) + 1.0 / (RRF_K + rank)
    # Ties (e.g. rank 3 in one list vs rank 3 in the other) go to the closer meaning.
    order = sorted(fused, key=lambda i: (-fused[i], -dense_score.get(i, -2.0)))[: top_k]
    records = {record.id: record for record in kb.chunks(order)}
    return [
        Hit(records[i], fused[i], dense_score.get(i), dense_rank.get(i), keyword_rank.get(i))
        for i in order
        if i in records
    ]


def check_embedder(kb: KnowledgeBase, embedder: Embedder) -> None:
    """The question must be embedded by the model that embedded the passages."""
    model = kb.embedding_model
    if model and model.casefold() != embedder.name.casefold():
        raise KnowledgeBaseError(
            f"The knowledge base “{kb.name}” was built with the embedding model “{model}”, but "
            f"“{embedder.name}” was chosen. Use “{model}” to search it."
        )


def embedder_for(kb: KnowledgeBase, requested: str | None = None) -> Embedder:
    """The embedder to use with ``kb``: the one asked for, else the one that built it, else the default."""
    from crossroads.config import Settings
    from crossroads.models.catalog import resolve_embedding_model

    if requested:
        return Embedder(resolve_embedding_model(requested))
    hint = kb.embedding_model_path
    if hint is not None and hint.is_dir():
        return Embedder(hint)
    return Embedder(resolve_embedding_model(kb.embedding_model or Settings().embedding_model))
