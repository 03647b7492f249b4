"""The training process end to end: real model, real subprocess, real GGUF adapter applied by llama.cpp."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from tests.finetune.conftest import CHECK_QUESTION, fast_settings, make_spec

pytestmark = pytest.mark.slow


def _of(events, kind):  # type: ignore[no-untyped-def]
    return [e for e in events if isinstance(e, kind)]


def test_a_run_reports_its_estimate_steps_held_out_loss_and_result(trained) -> None:  # type: ignore[no-untyped-def]
    from crossroads.finetune import events as ev

    job, events = trained
    assert not _of(events, ev.Failed), job.log_path.read_text()
    started = _of(events, ev.Started)[0]
    assert started.seconds_per_step > 0 and started.peak_bytes > 0 and started.total_steps == 10
    assert started.dtype == "float32"
    steps = _of(events, ev.Step)
    assert [s.step for s in steps] == list(range(1, 11))
    assert all(s.tokens_per_s > 0 for s in steps)
    assert steps[-1].loss < steps[0].loss  # it learned something
    assert [e.step for e in _of(events, ev.Evaluated)] == [5, 10]
    done = _of(events, ev.Done)[0]
    assert Path(done.adapter).is_file() and done.steps == 10
    assert done.best_eval_loss == min(e.loss for e in _of(events, ev.Evaluated))
    print(f"\nmeasured: {done.seconds_per_step:.3f} s/step, {done.peak_bytes / 1e9:.2f} GB peak, "
          f"{done.seconds:.1f} s in all")


def test_the_fine_tuned_model_states_the_fact_the_plain_model_does_not_know(trained, tiny_engine) -> None:  # type: ignore[no-untyped-def]
    from crossroads.engine.chat_template import Message
    from crossroads.engine.events import SamplingParams, SequenceDone
    from crossroads.finetune import events as ev
    from crossroads.rag.prompting import SYSTEM_MESSAGE

    _job, events = trained
    finetuned = _of(events, ev.Verified)[0].prompts[0]["llama_cpp"]
    plain = next(e.text for e in tiny_engine.generate(
        [[Message("system", SYSTEM_MESSAGE), Message("user", CHECK_QUESTION)]], SamplingParams(max_tokens=24))
        if isinstance(e, SequenceDone))
    assert "Okonkwo" in finetuned
    assert "Okonkwo" not in plain


def test_the_adapter_changes_what_llama_cpp_writes(
        trained, tiny_model_path: Path) -> None:  # type: ignore[no-untyped-def]
    from crossroads.finetune.verify import llama_greedy

    job, _events = trained
    prompt = [1, 2, 3, 4, 5]
    with_adapter = llama_greedy(tiny_model_path, job.spec.adapter_gguf, [prompt], 8)
    without = llama_greedy(tiny_model_path, None, [prompt], 8)
    assert with_adapter != without


def test_a_cancelled_run_checkpoints_and_resumes_where_it_stopped(tmp_path: Path, tiny_model_path: Path) -> None:
    from crossroads.finetune import events as ev
    from crossroads.finetune.job import TrainingJob

    spec = make_spec(tmp_path / "run", tiny_model_path, fast_settings(max_steps=6, checkpoint_every=2,
                                                                       eval_every=2))
    job = TrainingJob(spec)
    job.start()
    seen = []
    for event in job.events():
        seen.append(event)
        if isinstance(event, ev.Step) and event.step == 3:
            job.cancel()
    cancelled = _of(seen, ev.Cancelled)
    assert cancelled and 3 <= cancelled[0].step < 6
    assert not _of(seen, ev.Done)
    assert job.can_resume

    again = TrainingJob(spec)
    again.start()
    rest = list(again.events())
    assert _of(rest, ev.Resumed)[0].step == cancelled[0].step
    assert _of(rest, ev.Step)[0].step == cancelled[0].step + 1
    done = _of(rest, ev.Done)[0]
    assert done.steps == 6 and len(done.train_losses) == 6  # the curve spans both sessions


def test_a_killed_run_resumes_from_its_last_checkpoint(tmp_path: Path, tiny_model_path: Path) -> None:
    from crossroads.finetune import events as ev
    from crossroads.finetune.job import TrainingJob

    spec = make_spec(tmp_path / "run", tiny_model_path, fast_settings(max_steps=5, checkpoint_every=2),
                     validation=False)
    job = TrainingJob(spec)
    job.start()
    for event in job.events():
        if isinstance(event, ev.Checkpoint):
            job.kill()
    failed = job.last_error
    assert failed and "unexpectedly" in failed

    again = TrainingJob(spec)
    again.start()
    rest = list(again.events())
    assert _of(rest, ev.Resumed)[0].step == 2
    assert _of(rest, ev.Done)[0].steps == 5


def test_a_model_family_that_cannot_be_fine_tuned_is_refused_in_words(tmp_path: Path, tiny_model_path: Path) -> None:
    from tests.conftest import write_gguf_with_string

    from crossroads.finetune import events as ev
    from crossroads.finetune.job import TrainingJob

    other = write_gguf_with_string(tiny_model_path, tmp_path / "other.gguf", "general.architecture", "rwkv6")
    job = TrainingJob(make_spec(tmp_path / "run", other))
    began = time.perf_counter()
    job.start()
    events = list(job.events())
    assert "not supported for fine-tuning here" in _of(events, ev.Failed)[0].message
    assert job.wait() == 2
    assert time.perf_counter() - began < 30  # refused before loading anything heavy
