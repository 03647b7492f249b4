"""Fine-tuning: seconds per optimizer step and peak memory, ours against a plain PEFT training loop.

Ours is the product's path as the app runs it: the training process (``crossroads.finetune.train_process``) with
its events, checkpoints and the number format it measures for this CPU. The baseline is the loop anyone would
write from PEFT's documentation: transformers loads the same GGUF in fp32, ``get_peft_model`` puts the same LoRA
(rank, alpha, projections) on it, AdamW, batch 1 with the same gradient accumulation, the same examples in the same
order, loss over the whole sequence. Each side runs in its own process, one after the other, and the per-step time
is the median over the steps after the first (the first pays for warm-up). Peak memory is the process's peak
resident size, loading included.

The examples are the demo's answerable questions with their answers: short chat turns, like the generated pairs.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import report

REPO = Path(__file__).resolve().parent.parent
MODELS = ("smollm2-135m-instruct", "qwen2.5-coder-0.5b-instruct")


def examples() -> list[dict[str, str]]:
    rows = [json.loads(line) for line in (REPO / "assets" / "demo" / "questions.jsonl").read_text("utf-8").splitlines()
            if line.strip()]
    return [{"question": r["question"], "answer": f"{r['answers'][0]}.", "source": "user"}
            for r in rows if r.get("answers")]


def ours(model: Path, data: Path, work: Path, steps: int, accumulation: int, threads: int) -> dict:
    from crossroads.finetune import events as ev
    from crossroads.finetune.job import TrainingJob
    from crossroads.finetune.job_spec import JobSpec
    from crossroads.finetune.plan import TrainSettings

    settings = TrainSettings(max_steps=steps, grad_accumulation=accumulation, threads=threads, eval_every=10_000,
                             checkpoint_every=10_000)
    job = TrainingJob(JobSpec(model_path=model, work_dir=work, train_file=data, settings=settings))
    job.start()
    seconds, done = [], None
    for event in job.events():
        if isinstance(event, ev.Step):
            seconds.append(event.seconds)
        elif isinstance(event, ev.Done):
            done = event
        elif isinstance(event, ev.Failed):
            raise SystemExit(f"our training failed: {event.message}")
    job.wait()
    assert done is not None
    return {"step_s": statistics.median(seconds[1:] or seconds), "peak_bytes": done.peak_bytes, "dtype": done.dtype}


def baseline(model: Path, data: Path, steps: int, accumulation: int, threads: int) -> dict:
    """The plain loop, in a fresh process (``--baseline-worker``) so its memory is its own."""
    out = subprocess.run(
        [sys.executable, __file__, "--baseline-worker", str(model), str(data), str(steps), str(accumulation),
         str(threads)], check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def baseline_worker(model: Path, data: Path, steps: int, accumulation: int, threads: int) -> None:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.set_num_threads(threads)
    torch.manual_seed(42)
    tokenizer = AutoTokenizer.from_pretrained(str(model.parent), gguf_file=model.name)
    base = AutoModelForCausalLM.from_pretrained(str(model.parent), gguf_file=model.name, dtype=torch.float32)
    config = LoraConfig(r=8, lora_alpha=16, lora_dropout=0.05, bias="none", task_type="CAUSAL_LM",
                        target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
    peft_model = get_peft_model(base, config)
    rows = [json.loads(line) for line in data.read_text("utf-8").splitlines() if line.strip()]
    texts = [tokenizer.apply_chat_template([{"role": "user", "content": r["question"]},
                                            {"role": "assistant", "content": r["answer"]}], tokenize=False)
             for r in rows]
    encoded = [list(tokenizer(t, add_special_tokens=False)["input_ids"]) for t in texts]
    order = list(range(len(encoded)))
    random.Random(42).shuffle(order)
    optimizer = torch.optim.AdamW([p for p in peft_model.parameters() if p.requires_grad], lr=2e-4)
    peft_model.train()
    seconds, cursor = [], 0
    for _ in range(steps):
        began = time.perf_counter()
        for _ in range(accumulation):
            ids = torch.tensor([encoded[order[cursor % len(order)]][:256]])
            cursor += 1
            (peft_model(input_ids=ids, labels=ids).loss / accumulation).backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        seconds.append(time.perf_counter() - began)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"step_s": statistics.median(seconds[1:] or seconds), "peak_bytes": peak, "dtype": "float32"}))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--baseline-worker":
        model, data, steps, accumulation, threads = sys.argv[2:7]
        baseline_worker(Path(model), Path(data), int(steps), int(accumulation), int(threads))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default=",".join(MODELS), help="catalog names or GGUF paths, comma-separated")
    parser.add_argument("--steps", type=int, default=5, help="optimizer steps on each side (the first is not timed)")
    parser.add_argument("--accumulation", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="only the smallest model, 3 steps")
    args = parser.parse_args()
    from crossroads.models.catalog import resolve_chat_model

    names = MODELS[:1] if args.quick else tuple(n for n in args.models.split(",") if n)
    steps = 3 if args.quick else args.steps
    with tempfile.TemporaryDirectory(prefix="crossroads-bench-ft-") as tmp:
        data = Path(tmp) / "train.jsonl"
        data.write_text("".join(json.dumps(e) + "\n" for e in examples()), encoding="utf-8")
        for name in names:
            model = resolve_chat_model(name)
            mine = ours(model, data, Path(tmp) / f"ours-{model.stem}", steps, args.accumulation, args.threads)
            plain = baseline(model, data, steps, args.accumulation, args.threads)
            note = (f"{model.name}, {args.accumulation} examples a step, {args.threads} threads, median of "
                    f"{steps - 1} steps; ours {mine['dtype']}, baseline float32")
            report(f"finetune_step_s[{model.stem}]", mine["step_s"], plain["step_s"], "s", note)
            report(f"finetune_peak_mb[{model.stem}]", mine["peak_bytes"] / 1e6, plain["peak_bytes"] / 1e6, "MB",
                   "peak resident memory of the training process, loading included")


if __name__ == "__main__":
    main()
