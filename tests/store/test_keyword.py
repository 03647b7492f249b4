"""Keyword search: BM25 over chunk text, headings and titles; no user text can break the query."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crossroads.rag.embedding import Embedder
from crossroads.store import KnowledgeBase, schema
from crossroads.store.keyword import MAX_TERMS, fts_query, within_budget

NASTY = [
    '"',
    '""""',
    "*",
    "bee*",
    "AND",
    "OR OR NOT",
    "NEAR(",
    "NEAR(bees queen, 2)",
    "text:bees",
    "^bees",
    "{text heading}: bees",
    "bees + - ( ) : ; , . ! ?",
    "'); DROP TABLE chunks; --",
    "\x00\x1f\u202e",
    "",
    "   ",
    "the of and to is",
    "Überweisung für Bienen 🐝",
    "x" * 10_000,
    " ".join(f"word{i}" for i in range(500)),
]


@pytest.fixture(scope="module")
def filled(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, topics: dict[str, str]
) -> Iterator[KnowledgeBase]:
    """One knowledge base for the whole module: these tests only read."""
    folder = tmp_path_factory.mktemp("keyword")
    for name, text in topics.items():
        (folder / name).write_text(text, encoding="utf-8")
    with KnowledgeBase.open(folder / "kb", create=True) as kb:
        kb.add_paths([folder], embedder)
        yield kb


@pytest.mark.parametrize("question", NASTY)
def test_no_question_can_cause_a_search_error(filled: KnowledgeBase, question: str) -> None:
    hits = filled.keyword_search(question, 10)
    assert isinstance(hits, list)
    chunk_count = filled.chunk_count()
    assert all(chunk_id > 0 and isinstance(score, float) for chunk_id, score in hits)
    assert len(hits) <= chunk_count


def test_special_characters_are_dropped_and_the_words_still_match(filled: KnowledgeBase) -> None:
    (top, _), *_ = filled.keyword_search('NEAR("queen" AND bee*)', 5)
    assert filled.chunk(top).document_path.endswith("bees.md")


def test_questions_of_only_stop_words_or_symbols_find_nothing(filled: KnowledgeBase) -> None:
    assert filled.keyword_search("what is the", 5) == []
    assert filled.keyword_search("?!*", 5) == []


def test_word_forms_match_through_stemming(filled: KnowledgeBase) -> None:
    (top, _), *_ = filled.keyword_search("erupting volcano", 5)
    assert filled.chunk(top).document_path.endswith("volcano.txt")


def test_headings_and_titles_are_searchable_and_scores_rank_best_first(filled: KnowledgeBase) -> None:
    hits = filled.keyword_search("late payment interest", 5)
    assert filled.chunk(hits[0][0]).heading == "Late payment"
    scores = [score for _, score in hits]
    assert scores == sorted(scores, reverse=True)


def test_the_query_quotes_each_word_and_ors_them() -> None:
    assert fts_query("What is the VAT number of NEAR(x)?") == '"vat" OR "number"'
    assert fts_query('say "hi" twice, twice') == '"say" OR "hi" OR "twice"'
    assert fts_query("the and of") is None
    assert fts_query("") is None
    assert fts_query("2016 a b") == '"2016"'


def test_very_long_questions_are_cut_to_a_bounded_query() -> None:
    query = fts_query(" ".join(f"term{i}" for i in range(1000)))
    assert query is not None and query.count(" OR ") == MAX_TERMS - 1


def test_words_in_over_half_the_passages_are_dropped_in_large_knowledge_bases_without_changing_the_ranking(
    open_kb, tmp_path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crossroads.store import knowledge_base

    folder = tmp_path / "acme"
    folder.mkdir()
    facts = ["Acme sells pumps.", "Acme pays suppliers monthly.", "Acme volcano insurance covers lava.",
             "Acme staff get leave.", "Acme offices close at six."]
    for i, fact in enumerate(facts):
        (folder / f"fact{i}.txt").write_text(fact, encoding="utf-8")
    kb = open_kb()
    kb.add_paths([folder], embedder)
    full = kb.keyword_search("acme volcano lava", 10)
    monkeypatch.setattr(knowledge_base, "PRUNE_FROM_CHUNKS", 0)
    pruned = kb.keyword_search("acme volcano lava", 10)
    assert len(full) == 5 and [i for i, _ in pruned] == [full[0][0]]
    assert kb.chunk(pruned[0][0]).text == facts[2]
    assert kb.keyword_search("acme", 10) == []  # in every passage: tells nothing apart
    assert kb.keyword_search("pumps", 10) != []


def test_in_very_large_knowledge_bases_the_commonest_words_are_dropped_until_the_rest_fit_the_budget(
    tmp_path: Path,
) -> None:
    """FTS5 scores every chunk a word matches: at 1M chunks a common word cost a second, a rare one a millisecond.
    Counts are estimated from a few ranges of chunk ids, so estimating costs far less than scoring."""
    conn = schema.connect(tmp_path / "k.sqlite", create=True)
    rows = 40_000
    texts = [
        "common " + ("mid " if i % 10 == 0 else "") + ("rare " if i % 8_000 == 0 else "") + f"w{i}" for i in range(rows)
    ]
    with schema.transaction(conn):
        conn.execute("INSERT INTO documents (id, path, title, kind, sha256, size, mtime, added_at, state) "
                     "VALUES (1, 'p', 't', 'txt', 'x', 1, 0, 0, 'indexed')")
        conn.executemany('INSERT INTO chunks (id, document_id, ordinal, start, "end", tokens, text, vector) '
                         "VALUES (?, 1, ?, 0, 1, 1, ?, x'00')", [(i + 1, i, t) for i, t in enumerate(texts)])
        conn.executemany("INSERT INTO chunks_fts (rowid, text, heading, title) VALUES (?, ?, '', '')",
                         [(i + 1, t) for i, t in enumerate(texts)])
    terms = ["common", "mid", "rare", "absent"]
    assert within_budget(conn, terms, rows, budget=5_000) == ["mid", "rare", "absent"]  # ~4,000 + ~5 + 0
    assert within_budget(conn, terms, rows, budget=3_000) == ["rare", "absent"]
    assert within_budget(conn, ["common"], rows, budget=3_000) == []  # tells nothing apart in 40,000 chunks
    conn.execute("DELETE FROM chunks WHERE id > 20")
    assert within_budget(conn, terms, 20, budget=3_000) == terms  # a few chunks: everything is cheap
    conn.close()
