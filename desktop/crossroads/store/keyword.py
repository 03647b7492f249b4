"""Turning a user's question into an FTS5 query that can never be a syntax error.

Only word characters survive; each term is quoted (so AND, OR, NOT, NEAR, ``*`` and ``"`` are plain words or
gone), common English stop-words are dropped, and the rest are OR-ed: BM25 then ranks passages that share more of
the rarer words first. In large knowledge bases, words present in over half the passages are dropped too (see
``drop_ubiquitous``), and past ``SAMPLE_FROM`` chunks the commonest words are dropped until the rest match at most
``ROW_BUDGET`` chunks (see ``within_budget``): FTS5 scores every chunk a word matches before it can sort, so at
1M passages one word found in 30 % of them cost a second, while its BM25 weight (idf ~0.8 against ~9 for a rare
word) hardly moves the top 40.
"""

from __future__ import annotations

import re
import sqlite3

MAX_TERMS = 32
SAMPLE_FROM = 100_000  # from this many chunks, word counts are estimated from samples of the chunk ids
ROW_BUDGET = 2_000  # at most this many matching chunks are scored per search, counted from the rarest word up
_WINDOWS = 4
_WINDOW_IDS = 4_096

_WORD = re.compile(r"\w+", re.UNICODE)

STOP_WORDS = frozenset(
    {
        "a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are", "as", "at",
        "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could",
        "did", "do", "does", "doing", "down", "during", "each", "few", "for", "from", "further", "had", "has",
        "have", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "i", "if",
        "in", "into", "is", "it", "its", "itself", "just", "me", "more", "most", "my", "myself", "no", "nor",
        "not", "now", "of", "off", "on", "once", "only", "or", "other", "our", "ours", "ourselves", "out",
        "over", "own", "same", "she", "should", "so", "some", "such", "than", "that", "the", "their", "theirs",
        "them", "themselves", "then", "there", "these", "they", "this", "those", "through", "to", "too",
        "under", "until", "up", "very", "was", "we", "were", "what", "when", "where", "which", "while", "who",
        "whom", "why", "will", "with", "would", "you", "your", "yours", "yourself", "yourselves", "near",
        "also", "may", "might", "must", "shall", "s", "t",
    }
)


def query_terms(question: str) -> list[str]:
    """The searchable words of ``question``: lower-case, no stop-words, no repeats, at most ``MAX_TERMS``."""
    terms: list[str] = []
    for match in _WORD.finditer(question.casefold()):
        word = match.group().strip("_")
        if not word or word in STOP_WORDS or word in terms:
            continue
        if len(word) == 1 and not word.isdigit():
            continue
        terms.append(word)
        if len(terms) == MAX_TERMS:
            break
    return terms


def fts_query(question: str | list[str]) -> str | None:
    """A MATCH expression for a question (or its terms), or None when it has no searchable word."""
    terms = query_terms(question) if isinstance(question, str) else question
    return " OR ".join(f'"{term}"' for term in terms) if terms else None


def fts_phrase(text: str) -> str | None:
    """A MATCH expression for the words of ``text`` in this order (a phrase), or None when it has no word."""
    words = [w.strip("_") for w in _WORD.findall(text.casefold())]
    words = [w for w in words if w]
    return '"' + " ".join(words) + '"' if words else None


def drop_ubiquitous(conn: sqlite3.Connection, terms: list[str], total: int) -> list[str]:
    """Terms found in at most half the chunks. BM25 gives the others an idf of zero (FTS5 clamps it to 1e-6),
    so dropping them leaves the ranking as it was, while sparing the scoring of every chunk they match: a
    company name present in every passage would otherwise make each search scan the whole index."""
    _ensure_vocab_tables(conn)
    conn.execute("DELETE FROM temp.crossroads_query")
    conn.executemany("INSERT INTO temp.crossroads_query (rowid, q) VALUES (?, ?)", enumerate(terms))
    stems: dict[int, list[str]] = {}
    for index, stem in conn.execute("SELECT doc, term FROM temp.crossroads_query_vocab"):
        stems.setdefault(index, []).append(stem)
    kept = []
    for index, term in enumerate(terms):
        counts = [
            row[0] if row else 0
            for row in (
                conn.execute("SELECT doc FROM temp.crossroads_chunks_vocab WHERE term = ?", (stem,)).fetchone()
                for stem in stems.get(index, [])
            )
        ]
        if counts and 0 < min(counts) <= total / 2:
            kept.append(term)
    return kept


def within_budget(conn: sqlite3.Connection, terms: list[str], total: int, budget: int = ROW_BUDGET) -> list[str]:
    """The rarest of ``terms`` whose matching chunks add up to at most ``budget``, in their original order.

    Counting a word's chunks exactly walks its whole list, as long as scoring would; so each is estimated from
    ``_WINDOWS`` evenly spread ranges of chunk ids (FTS5 seeks to a rowid range without reading the rest):
    a few hundred microseconds per word at 1M chunks."""
    # two subqueries: SQLite answers a lone min() or max() from the b-tree's edge, both at once by a full scan
    bounds = conn.execute("SELECT (SELECT min(rowid) FROM chunks), (SELECT max(rowid) FROM chunks)").fetchone()
    if bounds[0] is None:
        return terms
    low, high = int(bounds[0]), int(bounds[1])
    span = high - low + 1
    if span <= 2 * _WINDOWS * _WINDOW_IDS:
        return terms  # small enough that everything is cheap: nothing to estimate
    starts = [low + (span - _WINDOW_IDS) * j // (_WINDOWS - 1) for j in range(_WINDOWS)]
    sql = "SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ? AND rowid BETWEEN ? AND ?"
    scale = total / (_WINDOWS * _WINDOW_IDS)
    estimates = {}
    for term in terms:  # one statement per range: a UNION ALL of them was 20x slower
        hits = sum(conn.execute(sql, (f'"{term}"', a, a + _WINDOW_IDS - 1)).fetchone()[0] for a in starts)
        estimates[term] = hits * scale
    kept, spent = set(), 0.0
    for term in sorted(terms, key=estimates.__getitem__):
        if spent + estimates[term] > budget:
            break
        kept.add(term)
        spent += estimates[term]
    return [t for t in terms if t in kept]


def _ensure_vocab_tables(conn: sqlite3.Connection) -> None:
    """Per-connection scratch tables in the temp schema: the knowledge base file itself is not touched."""
    conn.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.crossroads_query USING fts5(q, tokenize='porter unicode61')"
    )
    conn.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.crossroads_query_vocab "
        "USING fts5vocab(temp, crossroads_query, 'instance')"
    )
    conn.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.crossroads_chunks_vocab USING fts5vocab(main, chunks_fts, 'row')"
    )
