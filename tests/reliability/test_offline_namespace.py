"""The offline promise, proven with no network at all: index, ask, eval and decide in a namespace without one.

``unshare -rn`` gives the commands a user and network namespace of their own with only a loopback device that is
down: any attempt to reach another machine fails at once. Where unprivileged namespaces are not allowed, the test
is skipped and says why.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from crossroads.config import PACKAGE_DIR, SOURCE_ROOT

pytestmark = pytest.mark.reliability


def _namespace_problem() -> str | None:
    if shutil.which("unshare") is None:
        return "the unshare command is not installed"
    try:
        probe = subprocess.run(["unshare", "-rn", "true"], capture_output=True, text=True, timeout=30)
    except OSError as exc:
        return f"unshare could not run ({exc})"
    if probe.returncode != 0:
        return f"this system does not allow an unprivileged network namespace ({probe.stderr.strip()})"
    return None


def _demo_folder() -> Path:
    for folder in (SOURCE_ROOT / "assets" / "demo", PACKAGE_DIR / "assets" / "demo"):
        if (folder / "documents").is_dir():
            return folder
    pytest.skip("the demo documents are not in this installation")


def test_index_ask_eval_and_decide_work_with_no_network(tmp_path: Path, tiny_model_path: Path) -> None:
    problem = _namespace_problem()
    if problem:
        pytest.skip(problem)
    demo = _demo_folder()
    env = {**os.environ, "CROSSROADS_HOME": str(tmp_path / "home"), "HF_HUB_OFFLINE": "", "TRANSFORMERS_OFFLINE": ""}
    model = ["--model", str(tiny_model_path), "--context", "2048", "--threads", "2", "--max-tokens", "8"]

    def crossroads(*args: str) -> subprocess.CompletedProcess[str]:
        run = subprocess.run(["unshare", "-rn", sys.executable, "-m", "crossroads", *args], capture_output=True,
                             text=True, env=env, timeout=600)
        assert run.returncode == 0, f"crossroads {args[0]} failed offline:\n{run.stderr[-3000:]}"
        return run

    crossroads("index", str(demo / "documents"), "--kb", "offline")
    answer = json.loads(crossroads("ask", "What does the warranty cover?", "--kb", "offline", "--json", *model).stdout)
    assert [a["mode"] for a in answer["answers"]] == ["plain", "rag"] and answer["answers"][1]["sources"]
    results = tmp_path / "evaluation.json"
    crossroads("eval", str(demo / "questions.jsonl"), "--kb", "offline", "--limit", "2", "--out", str(results),
               *model)
    assert len(json.loads(results.read_text(encoding="utf-8"))["questions"]) == 2
    report = crossroads("decide", "--answers", str(demo / "decision-answers.json"), "--format", "md").stdout
    assert "RAG" in report
