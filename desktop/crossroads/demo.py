"""The bundled demo: a fictional company's documents and a scripted list of questions.

Some questions are answered only by the documents; some are answered nowhere, to show which mode makes things up.
The demo knowledge base is built once and reused (re-indexing skips unchanged files).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from crossroads.config import PACKAGE_DIR, SOURCE_ROOT

DEMO_KB = "demo"


@dataclass(frozen=True)
class DemoQuestion:
    question: str
    answers: tuple[str, ...]
    source: str | None
    page: int | None
    in_documents: bool


def demo_dir() -> Path:
    """The demo assets: in the checkout's assets/, or shipped inside the package."""
    for candidate in (SOURCE_ROOT / "assets" / "demo", PACKAGE_DIR / "assets" / "demo"):
        if (candidate / "questions.jsonl").is_file():
            return candidate
    from crossroads.errors import SetupError

    raise SetupError("The demo documents are missing from this installation. Reinstall Crossroads.")


def demo_documents() -> Path:
    return demo_dir() / "documents"


def demo_questions() -> list[DemoQuestion]:
    lines = (demo_dir() / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    out = []
    for line in lines:
        if line.strip():
            row = json.loads(line)
            out.append(
                DemoQuestion(row["question"], tuple(row.get("answers", [])), row.get("source"), row.get("page"),
                             bool(row.get("in_documents", True)))
            )
    return out
