"""The times the progress labels and the command line show."""

from __future__ import annotations

from crossroads.timetext import clock, duration, time_left


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


def test_a_duration_reads_as_people_say_it() -> None:
    assert (duration(40), duration(600), duration(7200)) == ("40 s", "10 min", "2.0 h")
    assert (duration(89), duration(90), duration(5399), duration(5400)) == ("89 s", "2 min", "90 min", "1.5 h")
    assert duration(-2) == "0 s"
