"""Past comparisons of one knowledge base, so any of them can be reopened exactly as it was answered.

Kept in its own small SQLite file inside the knowledge base folder: deleting or renaming the knowledge base takes
its history along, and the knowledge base's own database never changes shape for it.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crossroads.errors import KnowledgeBaseError

HISTORY_NAME = "history.sqlite"
KEEP = 500  # the newest comparisons kept per knowledge base


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    question: str
    model: str
    created_at: float


class History:
    """Append and read comparisons (as ``Comparison.to_dict()`` dicts)."""

    def __init__(self, folder: Path) -> None:
        self._lock = threading.Lock()
        try:
            self._conn = sqlite3.connect(folder / HISTORY_NAME, check_same_thread=False, isolation_level=None)
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS comparisons (id INTEGER PRIMARY KEY, question TEXT NOT NULL, "
                "model TEXT NOT NULL, created_at REAL NOT NULL, body TEXT NOT NULL)"
            )
        except sqlite3.Error as exc:
            raise KnowledgeBaseError(f"The question history in “{folder}” could not be opened: {exc}.") from exc

    def add(self, comparison: dict[str, Any]) -> int:
        created = float(comparison.get("created_at") or time.time())
        with self._lock:
            cur = self._conn.execute(
                "INSERT INTO comparisons (question, model, created_at, body) VALUES (?, ?, ?, ?)",
                (comparison["question"], comparison["model"]["name"], created, json.dumps(comparison)),
            )
            self._conn.execute(
                "DELETE FROM comparisons WHERE id NOT IN (SELECT id FROM comparisons ORDER BY id DESC LIMIT ?)",
                (KEEP,),
            )
            return int(cur.lastrowid or 0)

    def entries(self) -> list[HistoryEntry]:
        """Newest first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, question, model, created_at FROM comparisons ORDER BY id DESC"
            ).fetchall()
        return [HistoryEntry(int(r[0]), r[1], r[2], float(r[3])) for r in rows]

    def get(self, entry_id: int) -> dict[str, Any]:
        with self._lock:
            row = self._conn.execute("SELECT body FROM comparisons WHERE id = ?", (entry_id,)).fetchone()
        if row is None:
            raise KnowledgeBaseError("That comparison is no longer in the history.")
        return json.loads(row[0])

    def clear(self) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM comparisons")

    def close(self) -> None:
        with self._lock:
            self._conn.close()
