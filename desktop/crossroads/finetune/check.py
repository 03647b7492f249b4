"""The parity check run end to end: torch with and without the LoRA, llama.cpp with and without the GGUF adapter.

Torch writes its greedy answer to each check question with the adapter; both sides then read the same prompt and
answer (teacher forcing) and ``parity.compare`` judges the logits. llama.cpp's own greedy answer is kept beside
torch's for people to read; it is not the verdict (a near-tie flips it and every token after it).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from crossroads.finetune.parity import Parity, compare


def check_adapter(peft_model: Any, tokenizer: Any, model_path: Path, adapter_gguf: Path, questions: Sequence[str],
                  system_message: str, max_tokens: int, threads: int) -> tuple[Parity, list[dict[str, Any]]]:
    """(the pooled verdict, per question: both answers and its own figures)."""
    from crossroads.finetune import hf_model
    from crossroads.finetune.encode import prompt_ids
    from crossroads.finetune.verify import llama_greedy, llama_logits

    peft_model.eval()
    prompts = [prompt_ids(tokenizer, q, system_message) for q in questions]
    answers = [hf_model.greedy(peft_model, tokenizer, p, max_tokens) for p in prompts]
    sequences = [p + a for p, a in zip(prompts, answers, strict=True)]
    starts = [len(p) for p in prompts]
    torch_tuned = [hf_model.answer_logits(peft_model, s, f) for s, f in zip(sequences, starts, strict=True)]
    with peft_model.disable_adapter():
        torch_base = [hf_model.answer_logits(peft_model, s, f) for s, f in zip(sequences, starts, strict=True)]
    llama_tuned = llama_logits(model_path, adapter_gguf, sequences, starts, threads)
    llama_base = llama_logits(model_path, None, sequences, starts, threads)
    theirs = llama_greedy(model_path, adapter_gguf, prompts, max_tokens, threads)
    per_question = []
    for i, question in enumerate(questions):
        one = compare([torch_base[i]], [torch_tuned[i]], [llama_base[i]], [llama_tuned[i]], [answers[i]])
        per_question.append({
            "prompt": question, "peft": tokenizer.decode(answers[i], skip_special_tokens=True),
            "llama_cpp": tokenizer.decode(theirs[i], skip_special_tokens=True), "same": answers[i] == theirs[i],
            "effect_agreement": round(one.effect_agreement, 4), "effect_scale": round(one.effect_scale, 4),
            "top1": round(one.top1, 4)})
    return compare(torch_base, torch_tuned, llama_base, llama_tuned, answers), per_question


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m crossroads.finetune.check JOB.json [ADAPTER.gguf …]``: check a finished run's adapter again.

    The trained LoRA is read from the run's PEFT folder; each GGUF given (default: the run's own) is judged against
    it. One JSON object per adapter on stdout: ``{"adapter", "parity", "prompts"}``.
    """
    import json
    import os
    import sys

    from crossroads.finetune import hf_model
    from crossroads.finetune.job_spec import JobSpec

    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        print("usage: python -m crossroads.finetune.check JOB.json [ADAPTER.gguf ...]", file=sys.stderr)
        return 2
    spec = JobSpec.load(Path(args[0]))
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # what the libraries print goes to stderr, never into the results
    sys.stdout = sys.stderr
    hf_model.quiet_libraries()
    tokenizer, base = hf_model.load_base(spec.model_path, spec.settings.threads)
    model = hf_model.add_lora(base, spec.settings)
    hf_model.load_adapter_weights(model, spec.adapter_dir)
    questions = spec.verify_prompts or ("Who are you?",)
    for adapter in [Path(a) for a in args[1:]] or [spec.adapter_gguf]:
        parity, per_question = check_adapter(model, tokenizer, spec.model_path, adapter, questions,
                                             spec.system_message, spec.verify_tokens, spec.settings.threads)
        out.write(json.dumps({"adapter": str(adapter), "parity": parity.to_dict(), "prompts": per_question},
                             ensure_ascii=False) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
