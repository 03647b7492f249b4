"""The first answer from a cold start: a new process answers one demo question from its documents.

``crossroads ask --modes rag`` on the demo knowledge base (made once in a temporary data folder), timed from process
start to exit: Python starting, the 0.5B model and the embedder loading, retrieval and focus, 24 tokens of answer.
What this release changed is which encoder the question waits for: ONNX Runtime, while the passages may be embedded
by torch (in bf16, on a CPU that has it). The baseline is the same command in the same run with the question sent to
the passages' encoder, as the previous release did (``Embedder._for_question`` replaced in that process only); on a
CPU without bf16 both are ONNX Runtime and the ratio is 1. Runs alternate between the two; medians are printed.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import report, run_count, timed

REPO = Path(__file__).resolve().parent.parent
QUESTION = "What does error code E27 mean on a Brellvik Corvus 5 coffee machine?"
ASK = ["ask", "--kb", "demo-bench", "--modes", "rag", "--max-tokens", "24", "--json", QUESTION]
PREVIOUS = ("from crossroads.rag.embedding import Embedder; "
            "Embedder._for_question = lambda self: (self._load(), self._use)")


def command(previous: bool) -> list[str]:
    patch = PREVIOUS + "; " if previous else ""
    return [sys.executable, "-c", f"import sys; {patch}from crossroads.cli import main; sys.exit(main(sys.argv[1:]))",
            *ASK]


def ask(env: dict[str, str], previous: bool) -> tuple[float, dict]:
    seconds, done = timed(lambda: subprocess.run(command(previous), env=env, capture_output=True, text=True,
                                                 check=True, timeout=600))
    return seconds, json.loads(done.stdout)


def main() -> None:
    runs = run_count(__doc__)

    from crossroads.demo import demo_documents

    with tempfile.TemporaryDirectory(prefix="crossroads-bench-") as home:
        env = {**os.environ, "CROSSROADS_HOME": home, "PYTHONPATH": str(REPO / "desktop")}
        documents = [str(p) for p in sorted(demo_documents().iterdir())]
        subprocess.run([sys.executable, "-m", "crossroads", "index", "--kb", "demo-bench", *documents], env=env,
                       check=True, capture_output=True, timeout=600)
        for previous in (False, True):  # warm-up: file caches, and the ONNX graph exported if it was not yet
            ask(env, previous)
        seconds: dict[bool, list[float]] = {False: [], True: []}
        retrieval: dict[bool, list[float]] = {False: [], True: []}
        for _ in range(runs):
            for previous in (False, True):
                took, answer = ask(env, previous)
                seconds[previous].append(took)
                retrieval[previous].append(answer["retrieval_s"])
                assert "overheat" in answer["answers"][0]["text"].lower(), answer["answers"][0]["text"]

    ours, before = statistics.median(seconds[False]), statistics.median(seconds[True])
    report("first_answer_cold_s", ours, before, "s",
           f"new process to exit, one RAG answer of 24 tokens on the demo knowledge base, median of {runs}; baseline: "
           f"the question on the passages' encoder (previous release); retrieval and focus "
           f"{statistics.median(retrieval[False]):.2f} s against {statistics.median(retrieval[True]):.2f} s")


if __name__ == "__main__":
    main()
