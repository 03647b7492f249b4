"""``crossroads demo``: the bundled documents indexed once, then the scripted questions side by side."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossroads.cli import main
from crossroads.config import kbs_dir
from crossroads.demo import DEMO_KB, demo_documents, demo_questions
from crossroads.store import KnowledgeBase


@pytest.mark.slow
def test_demo_builds_its_knowledge_base_and_answers_a_question_both_ways(
    tiny_model_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flags = ["--questions", "1", "--model", str(tiny_model_path), "--max-tokens", "8", "--context", "2048"]
    assert main(["demo", *flags]) == 0
    captured = capsys.readouterr()
    first = demo_questions()[0]
    assert f"### Question 1: {first.question}" in captured.out
    assert "Question 2" not in captured.out
    assert "== Model only ==" in captured.out and "== Model + your documents ==" in captured.out
    assert "Traceback" not in captured.err
    with KnowledgeBase.open(kbs_dir() / DEMO_KB) as kb:
        indexed = {Path(d.path).name for d in kb.documents() if d.state == "indexed"}
    assert indexed == {p.name for p in demo_documents().iterdir()}

