"""The training process: ``python -m crossroads.finetune.train_process JOB.json``.

One JSON object per line on stdout, one per event (see ``events``); everything the libraries print goes to
stderr. A checkpoint is written every few steps and on cancel, so a cancelled or killed run resumes where it was.
A cancel is SIGTERM/SIGINT or the job's cancel file; the step in progress is abandoned, not half-applied.
"""

from __future__ import annotations

import json
import math
import os
import random
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from crossroads.errors import CrossroadsError, ModelError
from crossroads.finetune.job_spec import JobSpec
from crossroads.finetune.plan import check_architecture, choose_dtype, estimate, refuse_if_too_big

STATE_FILE = "state.pt"


class Emitter:
    """Writes events as JSON lines on the stream the parent reads."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def __call__(self, event: str, **data: Any) -> None:
        self._stream.write(json.dumps({"event": event, **data}, ensure_ascii=False) + "\n")
        self._stream.flush()


class CancelWatch:
    def __init__(self, cancel_file: Path) -> None:
        self._file = cancel_file
        self._signalled = False
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._on_signal)

    def _on_signal(self, _signum: int, _frame: object) -> None:
        self._signalled = True

    @property
    def cancelled(self) -> bool:
        return self._signalled or self._file.exists()


@dataclass
class Progress:
    step: int = 0  # optimizer steps done
    cursor: int = 0  # examples consumed (across epochs)
    best_eval: float = math.inf
    evals_without_gain: int = 0
    train_losses: list[list[float]] = field(default_factory=list)  # [step, loss]
    eval_losses: list[list[float]] = field(default_factory=list)
    seconds: float = 0.0  # training time over all sessions of this run
    stopped_early: bool = False


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    events_stream = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # stray prints of the libraries go to stderr, never into the event stream
    sys.stdout = sys.stderr
    emit = Emitter(events_stream)
    if len(args) != 1:
        emit("error", message="usage: python -m crossroads.finetune.train_process JOB.json")
        return 2
    try:
        spec = JobSpec.load(Path(args[0]))
        return run(spec, emit, CancelWatch(spec.cancel_file))
    except CrossroadsError as exc:
        emit("error", message=exc.message)
        return 2
    except MemoryError:
        emit("error", message="The training ran out of memory. Close other programs, or use a shorter sequence "
                              "length or a smaller model.")
        return 2
    except Exception as exc:
        import traceback

        traceback.print_exc()
        emit("error", message=f"The training failed because of an internal problem ({type(exc).__name__}: {exc}).")
        return 1


def run(spec: JobSpec, emit: Emitter, cancel: CancelWatch) -> int:
    from crossroads.finetune import hf_model
    from crossroads.finetune.examples import read_jsonl
    from crossroads.models.gguf_info import read_gguf_info

    began = time.perf_counter()
    settings = spec.settings
    info = read_gguf_info(spec.model_path)
    check_architecture(info.architecture)
    _refuse_before_loading(info.parameters or info.file_size * 2)  # ~4-5 bits a weight
    hf_model.quiet_libraries()
    import torch

    torch.manual_seed(settings.seed)
    dtype = choose_dtype(settings.dtype)
    emit("loading", model=spec.model_path.name, architecture=info.architecture, dtype=dtype)
    tokenizer, base = hf_model.load_base(spec.model_path, settings.threads)
    facts = hf_model.base_facts(base, info.architecture)
    model = hf_model.add_lora(base, settings)
    from crossroads.finetune.encode import encode_all

    train = encode_all(tokenizer, read_jsonl(spec.train_file), settings.max_length, spec.system_message)
    held = (encode_all(tokenizer, read_jsonl(spec.validation_file), settings.max_length, spec.system_message)
            if spec.validation_file else [])
    if not train:
        raise CrossroadsError("There is nothing to train on: every example was empty or cut away.")
    total = settings.total_steps(len(train))
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=settings.learning_rate, weight_decay=0.0)
    warmup = max(1, total // 10)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / warmup) * max(0.1, 1 - s / max(1, total)))
    progress = Progress()
    resumed = _load_checkpoint(spec, model, optimizer, scheduler, progress)
    if resumed:
        emit("resumed", step=progress.step, total_steps=total)
    autocast = torch.autocast("cpu", dtype=torch.bfloat16, enabled=dtype == "bfloat16")

    def loss_of(item: Any) -> Any:
        ids = torch.tensor([item.input_ids])
        with autocast:
            return model(input_ids=ids, labels=torch.tensor([item.labels])).loss.float()

    def held_out_loss() -> float:
        model.eval()
        with torch.no_grad():
            total_loss = sum(loss_of(h).item() * h.trained_tokens for h in held)
        model.train()
        return total_loss / max(1, sum(h.trained_tokens for h in held))

    order_cache: dict[int, list[int]] = {}

    def example_at(cursor: int) -> Any:
        epoch, position = divmod(cursor, len(train))
        if epoch not in order_cache:
            order = list(range(len(train)))
            random.Random(settings.seed + epoch).shuffle(order)
            order_cache.clear()
            order_cache[epoch] = order
        return train[order_cache[epoch][position]]

    model.train()
    session_steps = 0
    session_began = time.perf_counter()
    while progress.step < total:
        step_began = time.perf_counter()
        cursor = progress.cursor
        losses, tokens = [], 0
        for _ in range(settings.grad_accumulation):
            if cancel.cancelled:
                optimizer.zero_grad(set_to_none=True)
                _save_checkpoint(spec, model, optimizer, scheduler, progress)
                emit("cancelled", step=progress.step, total_steps=total, checkpoint=str(spec.checkpoint_dir))
                return 0
            item = example_at(cursor)
            cursor += 1
            loss = loss_of(item)
            (loss / settings.grad_accumulation).backward()
            losses.append(loss.item())
            tokens += len(item.input_ids)
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        progress.step += 1
        progress.cursor = cursor
        step_s = time.perf_counter() - step_began
        progress.seconds += step_s
        session_steps += 1
        train_loss = sum(losses) / len(losses)
        progress.train_losses.append([progress.step, round(train_loss, 5)])
        if session_steps == 1:
            est = estimate(step_s, total - progress.step + 1, _peak_bytes(), dtype)
            refuse_if_too_big(est, already_used=_rss_bytes())
            emit("started", estimate=est.to_dict(), examples=len(train), validation=len(held), total_steps=total,
                 trainable_parameters=sum(p.numel() for p in trainable), resumed_at=progress.step - 1)
        per_step = (time.perf_counter() - session_began) / session_steps
        emit("step", step=progress.step, total_steps=total, loss=round(train_loss, 5),
             tokens_per_s=round(tokens / step_s, 1), seconds=round(step_s, 3),
             eta_s=round(per_step * (total - progress.step), 1), learning_rate=scheduler.get_last_lr()[0])
        last = progress.step >= total
        if held and (progress.step % settings.eval_every == 0 or last):
            value = held_out_loss()
            progress.eval_losses.append([progress.step, round(value, 5)])
            improved = value < progress.best_eval - 1e-4
            if improved:
                progress.best_eval = value
                progress.evals_without_gain = 0
                hf_model.save_adapter(model, spec.adapter_dir, facts)
            else:
                progress.evals_without_gain += 1
            emit("eval", step=progress.step, loss=round(value, 5), best=round(progress.best_eval, 5),
                 improved=improved)
            if progress.evals_without_gain >= settings.patience and not last:
                progress.stopped_early = True
                break
        if progress.step % settings.checkpoint_every == 0 and not last:
            _save_checkpoint(spec, model, optimizer, scheduler, progress)
            emit("checkpoint", step=progress.step, path=str(spec.checkpoint_dir))

    if not held or not (spec.adapter_dir / hf_model.ADAPTER_WEIGHTS).exists():
        hf_model.save_adapter(model, spec.adapter_dir, facts)
    else:
        hf_model.load_adapter_weights(model, spec.adapter_dir)  # the best held-out loss, not the last step
    _save_checkpoint(spec, model, optimizer, scheduler, progress)
    from crossroads.finetune.adapter_gguf import convert

    convert(spec.adapter_dir, spec.adapter_gguf)
    emit("converted", path=str(spec.adapter_gguf), bytes=spec.adapter_gguf.stat().st_size)
    parity = _verify(spec, model, tokenizer, emit) if spec.verify_prompts else None
    emit("done", adapter=str(spec.adapter_gguf), peft_dir=str(spec.adapter_dir), steps=progress.step,
         total_steps=total, stopped_early=progress.stopped_early,
         best_eval_loss=None if math.isinf(progress.best_eval) else round(progress.best_eval, 5),
         train_losses=progress.train_losses, eval_losses=progress.eval_losses,
         train_seconds=round(progress.seconds, 2), seconds=round(time.perf_counter() - began, 2),
         seconds_per_step=round(progress.seconds / max(1, progress.step), 3), dtype=dtype,
         peak_bytes=_peak_bytes(), verified=None if parity is None else parity["ok"], parity=parity)
    return 0


def _verify(spec: JobSpec, model: Any, tokenizer: Any, emit: Emitter) -> dict[str, Any]:
    """Does llama.cpp with the GGUF adapter reproduce the trained model? (``check``; the figures go to the event.)"""
    from crossroads.finetune.check import check_adapter

    parity, per_question = check_adapter(model, tokenizer, spec.model_path, spec.adapter_gguf, spec.verify_prompts,
                                         spec.system_message, spec.verify_tokens, spec.settings.threads)
    figures = parity.to_dict()
    emit("verified", **figures, prompts=per_question)
    return figures


def _refuse_before_loading(parameters: int) -> None:
    """transformers holds the dequantised fp32 weights (4 bytes each) and briefly a second copy while loading."""
    import psutil

    needed = parameters * 4 * 2
    available = psutil.virtual_memory().available
    if needed > available:
        raise ModelError(
            f"Fine-tuning this model needs at least {needed / 1e9:.1f} GB of free memory; {available / 1e9:.1f} GB "
            "is free. Close other programs or choose a smaller model."
        )


def _rss_bytes() -> int:
    import psutil

    return int(psutil.Process().memory_info().rss)


def _peak_bytes() -> int:
    try:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return int(peak if sys.platform == "darwin" else peak * 1024)
    except ImportError:  # Windows
        import psutil

        info = psutil.Process().memory_info()
        return int(getattr(info, "peak_wset", info.rss))


def _save_checkpoint(spec: JobSpec, model: Any, optimizer: Any, scheduler: Any, progress: Progress) -> None:
    import torch
    from peft import get_peft_model_state_dict

    folder = spec.checkpoint_dir
    folder.mkdir(parents=True, exist_ok=True)
    state = {
        "adapter": {k: v.detach().clone() for k, v in get_peft_model_state_dict(model).items()},
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "progress": progress.__dict__,
        "settings": spec.settings.to_dict(),
        "torch_rng": torch.get_rng_state(),
    }
    tmp = folder / (STATE_FILE + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, folder / STATE_FILE)


def _load_checkpoint(spec: JobSpec, model: Any, optimizer: Any, scheduler: Any, progress: Progress) -> bool:
    import torch
    from peft import set_peft_model_state_dict

    path = spec.checkpoint_dir / STATE_FILE
    if not path.is_file():
        return False
    state = torch.load(path, map_location="cpu", weights_only=False)
    if state.get("settings") != spec.settings.to_dict():
        raise CrossroadsError("The saved checkpoint was made with other settings; start a new run instead.")
    set_peft_model_state_dict(model, state["adapter"])
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    progress.__dict__.update(state["progress"])
    torch.set_rng_state(state["torch_rng"])
    return True


if __name__ == "__main__":
    sys.exit(main())
