"""The monkey's time window and weekdays, including windows that cross midnight."""

from __future__ import annotations

from datetime import datetime

import pytest

from chaos.schedules.window import TimeWindow, allowed_at, parse_weekdays

MON_FRI = parse_weekdays("mon-fri")


def at(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2024, 3, 4 + day, hh, mm)  # day 0 is Monday 2024-03-04


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        (at(0, 8, 59), False),
        (at(0, 9, 0), True),
        (at(0, 16, 59), True),
        (at(0, 17, 0), False),
    ],
)
def test_daytime_window_is_start_inclusive_end_exclusive(moment, inside):
    assert allowed_at(moment, TimeWindow.parse("09:00-17:00"), None) is inside


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        (at(0, 21, 59), False),
        (at(0, 22, 0), True),
        (at(0, 23, 59), True),
        (at(1, 0, 0), True),
        (at(1, 5, 59), True),
        (at(1, 6, 0), False),
        (at(1, 12, 0), False),
    ],
)
def test_window_crossing_midnight(moment, inside):
    assert allowed_at(moment, TimeWindow.parse("22:00-06:00"), None) is inside


def test_after_midnight_belongs_to_the_day_the_window_opened():
    night = TimeWindow.parse("22:00-06:00")
    assert allowed_at(at(4, 23), night, MON_FRI)  # Friday night
    assert allowed_at(at(5, 2), night, MON_FRI)  # ...running into Saturday
    assert not allowed_at(at(5, 23), night, MON_FRI)  # Saturday night is off
    assert not allowed_at(at(7, 2), night, MON_FRI)  # Monday 02:00 is Sunday's night
    assert allowed_at(at(8, 2), night, MON_FRI)  # Tuesday 02:00 is Monday's night


def test_weekdays_without_a_window():
    assert allowed_at(at(2, 3), None, MON_FRI)
    assert not allowed_at(at(6, 12), None, MON_FRI)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("sat,sun", {5, 6}),
        ("fri-mon", {4, 5, 6, 0}),
        ("Mon-Wed, fri", {0, 1, 2, 4}),
    ],
)
def test_weekday_parsing(text, days):
    assert parse_weekdays(text) == days


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("25:00-10:00", "hours 00-23"),
        ("09:60-10:00", "minutes 00-59"),
        ("9-17", "HH:MM"),
        ("09:00", "HH:MM-HH:MM"),
        ("10:00-10:00", "empty window"),
    ],
)
def test_bad_windows_are_refused(text, message):
    with pytest.raises(ValueError, match=message):
        TimeWindow.parse(text)


def test_bad_weekday_names_the_allowed_values():
    with pytest.raises(ValueError, match="mon, tue"):
        parse_weekdays("mon-fry")
