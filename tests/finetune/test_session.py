"""A run driven from an app thread: the app's cancel token stops the process with a checkpoint; names stay unique."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossroads.cancel import CancelToken
from crossroads.errors import InputError
from crossroads.finetune import events as ev
from crossroads.finetune import pipeline, runs
from crossroads.finetune.session import check_new_name, run_job, taken_names, unfinished_runs

from .conftest import fact_examples, fast_settings


def test_a_cancel_from_the_app_stops_the_process_with_a_checkpoint_to_resume(tiny_model_path: Path) -> None:
    job = pipeline.prepare("acme", tiny_model_path, fact_examples(), fast_settings(max_steps=2, max_length=64))
    token = CancelToken()
    seen: list[object] = []

    def on_event(event: object) -> None:
        seen.append(event)
        if isinstance(event, ev.Loading):
            token.cancel()  # as the Cancel button or closing the window does, from the UI thread

    outcome = run_job(job, token, on_event)
    assert outcome.run is None and outcome.cancelled_at == 0
    assert any(isinstance(e, ev.Cancelled) for e in seen)
    assert job.can_resume
    assert [u.name for u in unfinished_runs()] == ["acme"]
    assert taken_names() == ["acme"]
    with pytest.raises(InputError, match="already exists"):
        check_new_name("Acme")


def test_kept_adapters_take_their_names_and_a_failed_start_frees_it(tmp_path: Path) -> None:
    root = runs.adapters_dir()
    (root / "kept").mkdir(parents=True)
    (root / "kept" / runs.MANIFEST).write_text("{}", encoding="utf-8")
    (root / "failed" / runs.WORK).mkdir(parents=True)  # no checkpoint: nothing to resume
    assert taken_names() == ["kept"]
    assert check_new_name(" fresh ") == "fresh"
    with pytest.raises(InputError, match="cannot be an adapter name"):
        check_new_name("a/b")
