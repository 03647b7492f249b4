"""The times the progress labels show."""

from __future__ import annotations

from crossroads.ui.progress_text import clock, time_left


def test_clock_reads_minutes_and_seconds_and_hours_only_when_there_are_some() -> None:
    assert clock(0) == "0:00"
    assert clock(42.4) == "0:42"
    assert clock(725) == "12:05"
    assert clock(3729) == "1:02:09"
    assert clock(-3) == "0:00"


def test_time_left_assumes_the_rest_goes_at_the_pace_so_far() -> None:
    assert time_left(10.0, 32, 96) == 20.0
    assert time_left(10.0, 0, 96) is None  # nothing done yet: no pace to go by
    assert time_left(10.0, 96, 96) is None  # finished
