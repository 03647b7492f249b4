"""Train the demo's fine-tuned adapter, so the four-column demo works the first time with no training wait.

Runs the product's own path end to end, as a user would: ``crossroads index`` on the bundled Brellvik documents,
then ``crossroads finetune --kb`` on the default chat model - the model writes question-answer pairs about every
passage, a share of its own answers to general questions is mixed in, a LoRA is trained on the CPU, converted to a
GGUF adapter and checked in llama.cpp. The demo's 18 evaluation questions are passed as ``--eval-set``, so the run
warns if any of them slipped into the training data (they never are used for training).

Writes ``assets/demo/adapter/``: ``brellvik-demo.gguf`` (the adapter), ``run.json`` (its manifest: base model
sha256, data counts, settings, losses, time), ``train.jsonl`` and ``validation.jsonl`` (the generated examples and
the held-out share, for review).
Everything happens in a temporary Crossroads home, so the user's own knowledge bases and adapters are untouched.
Takes tens of minutes on 2 cores (the question writing and the training both run the 0.5B model).

``--documents``, ``--eval-set`` and ``--name`` train the same way on other documents, e.g. the SQuAD set the quality
harness measures (``bench/eval_quality.py --adapter``), so its four-way figures come from a documented fine-tune.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "assets" / "demo" / "adapter"
NAME = "brellvik-demo"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--documents", type=Path, default=REPO / "assets" / "demo" / "documents",
                        help="a file or folder to index and train on (default: the demo's documents)")
    parser.add_argument("--eval-set", type=Path, default=REPO / "assets" / "demo" / "questions.jsonl",
                        help="the questions the adapter will be measured on: never trained on")
    parser.add_argument("--name", default=NAME, help="the adapter's name (and its file's)")
    parser.add_argument("--kb", default="demo", help="the knowledge base's name in the temporary home")
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--questions-per-passage", type=int, default=3)
    parser.add_argument("--learning-rate", type=float, default=2e-4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--work", type=Path, help="keep the temporary Crossroads home here (default: a temp dir)")
    args = parser.parse_args(argv)

    work = args.work or Path(tempfile.mkdtemp(prefix="crossroads-demo-adapter-"))
    env = {**os.environ, "CROSSROADS_HOME": str(work)}
    cli = [sys.executable, "-m", "crossroads"]
    subprocess.run([*cli, "index", "--kb", args.kb, str(args.documents)], env=env, check=True)
    args.out.mkdir(parents=True, exist_ok=True)
    adapter = args.out / f"{args.name}.gguf"
    done = subprocess.run(
        [*cli, "finetune", "--kb", args.kb, "--name", args.name, "--epochs", str(args.epochs),
         "--questions-per-passage", str(args.questions_per_passage), "--learning-rate", str(args.learning_rate),
         "--threads", str(args.threads), "--eval-set", str(args.eval_set),
         "--out", str(adapter), "--json"],
        env=env, check=True, stdout=subprocess.PIPE, text=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    run_folder = work / "adapters" / args.name
    shutil.copyfile(run_folder / "run.json", args.out / "run.json")
    for part in ("train", "validation"):  # the examples, as the model wrote them, for review
        shutil.copyfile(run_folder / "work" / f"{part}.jsonl", args.out / f"{part}.jsonl")
    print(f"{adapter} ({adapter.stat().st_size / 1e6:.1f} MB), {result['steps']} steps, "
          f"held-out loss {result['best_eval_loss']}, verified={result['verified']}")
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
