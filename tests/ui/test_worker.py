"""A job on its own thread: reported as running until it ends, and never afterwards."""

from __future__ import annotations

import threading

from crossroads.ui.worker import Worker, running_workers


def test_a_worker_runs_until_its_job_ends_and_is_then_forgotten(qtbot) -> None:  # type: ignore[no-untyped-def]
    release = threading.Event()
    worker = Worker(lambda cancel, emit: release.wait(10), "wait")
    with qtbot.waitSignal(worker.ended, timeout=10_000):
        worker.start()
        assert worker in running_workers()
        release.set()
    assert worker not in running_workers()


def test_a_worker_whose_end_never_reaches_the_ui_thread_is_not_reported_running(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Its thread is over: a lost ``ended`` delivery must not keep "a job is running" true (which would hold up
    closing the app, and every later wait for the jobs to end)."""
    worker = Worker(lambda cancel, emit: "done", "quick")
    worker.ended.disconnect(worker._forget)  # the delivery that gets lost
    worker.start()
    assert worker.wait(10)
    assert worker not in running_workers()
