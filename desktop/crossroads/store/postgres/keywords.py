"""Which of a question's words are worth a full-text search on a large knowledge base.

``ts_rank_cd`` reads the whole tsvector of every passage a word matches before it can sort, so one word found in
a third of 100k passages costs hundreds of milliseconds, while it barely tells passages apart. As the SQLite store
does with FTS5 (``store.keyword``), past ``PRUNE_FROM_CHUNKS`` passages the commonest words are dropped until the
rest match at most ``ROW_BUDGET`` passages, counted from the rarest word up. The counts come for free: ANALYZE
(run by the server's autovacuum after enough changes) keeps the frequencies of a tsvector column's commonest
lexemes in ``pg_stats.most_common_elems``; a word not listed there is rarer than every listed one.
"""

from __future__ import annotations

import time
from typing import Any

from crossroads.store.keyword import ROW_BUDGET

PRUNE_FROM_CHUNKS = 10_000  # below this, ranking every match is already fast
STATS_SECONDS = 60.0  # how long the statistics read from the server are reused


class CommonWords:
    """The lexeme frequencies of one knowledge base's ``chunks.tsv``, read from ``pg_stats`` now and then."""

    def __init__(self, schema: str) -> None:
        self.schema = schema
        self._read_at = -STATS_SECONDS
        self._rows = 0.0
        self._freq: dict[str, float] = {}
        self._floor = 0.0

    def kept(self, conn: Any, config: str, terms: list[str]) -> list[str]:
        """``terms`` without the commonest ones, in their order; all of them on a small knowledge base."""
        self._refresh(conn)
        if self._rows < PRUNE_FROM_CHUNKS or not self._freq:
            return terms
        lexemes = dict(conn.execute(
            f"SELECT t, array_to_string(tsvector_to_array(to_tsvector('{config}', t)), ' ') "
            "FROM unnest(%s::text[]) AS t",
            (terms,),
        ).fetchall())
        estimate = {t: self._rows * self._frequency(lexemes.get(t) or "") for t in terms}
        kept, spent = set(), 0.0
        for term in sorted(terms, key=estimate.__getitem__):
            if kept and spent + estimate[term] > ROW_BUDGET:
                break
            kept.add(term)
            spent += estimate[term]
        return [t for t in terms if t in kept]

    def _frequency(self, lexemes: str) -> float:
        """A word's share of passages: its rarest lexeme's (a word may stem to none, or to several)."""
        found = [self._freq.get(lexeme, self._floor) for lexeme in lexemes.split()]
        return min(found) if found else 0.0

    def _refresh(self, conn: Any) -> None:
        if time.monotonic() - self._read_at < STATS_SECONDS:
            return
        self._read_at = time.monotonic()
        row = conn.execute(
            "SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)", (f'"{self.schema}".chunks',)
        ).fetchone()
        self._rows = float(row[0]) if row and row[0] and row[0] > 0 else 0.0
        stats = conn.execute(
            "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
            "WHERE schemaname = %s AND tablename = 'chunks' AND attname = 'tsv'",
            (self.schema,),
        ).fetchone()
        if not stats or not stats[0]:
            self._freq, self._floor = {}, 0.0
            return
        elems, freqs = stats
        self._freq = dict(zip(elems, freqs[: len(elems)], strict=True))  # the last 3 numbers are min, max, nulls
        self._floor = float(freqs[len(elems)]) if len(freqs) > len(elems) else 0.0
