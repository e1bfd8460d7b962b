"""When the monkey may act: a daily time window (possibly crossing midnight) and weekdays."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")


def _clock(text: str, whole: str) -> time:
    match = _CLOCK.fullmatch(text.strip())
    if not match:
        raise ValueError(f"invalid time {text!r} in {whole!r}: use HH:MM-HH:MM (e.g. 09:00-17:00)")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise ValueError(f"invalid time {text!r} in {whole!r}: hours 00-23, minutes 00-59")
    return time(hour, minute)


@dataclass(frozen=True)
class TimeWindow:
    """[start, end) each day; `end <= start` means the window runs past midnight."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> TimeWindow:
        first, sep, second = text.partition("-")
        if not sep:
            raise ValueError(f"invalid window {text!r}: use HH:MM-HH:MM (e.g. 09:00-17:00)")
        window = cls(_clock(first, text), _clock(second, text))
        if window.start == window.end:
            raise ValueError(f"empty window {text!r}: start and end are the same time")
        return window

    @property
    def crosses_midnight(self) -> bool:
        return self.end < self.start

    def opened_on(self, moment: datetime) -> datetime | None:
        """The date whose window contains `moment`, or None when outside.

        After midnight in a window like 22:00-06:00, the window belongs to the day before:
        that is the day the weekday rule must look at (Friday night runs into Saturday).
        """
        now = moment.time()
        if not self.crosses_midnight:
            return moment if self.start <= now < self.end else None
        if now >= self.start:
            return moment
        if now < self.end:
            return moment - timedelta(days=1)
        return None

    @property
    def text(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def parse_weekdays(text: str) -> frozenset[int]:
    """`mon-fri`, `sat,sun`, `mon-wed,fri`, `fri-mon` (wraps) -> weekday numbers, Monday 0."""
    days: set[int] = set()
    for part in (p.strip().lower() for p in text.split(",")):
        first, sep, last = part.partition("-")
        for name in (first, last) if sep else (first,):
            if name not in DAYS:
                raise ValueError(
                    f"unknown weekday {name!r} in {text!r}: use {', '.join(DAYS)} "
                    f"and ranges like mon-fri"
                )
        if not sep:
            days.add(DAYS.index(first))
            continue
        day = DAYS.index(first)
        while True:
            days.add(day)
            if day == DAYS.index(last):
                break
            day = (day + 1) % 7
    return frozenset(days)


def weekdays_text(days: frozenset[int]) -> str:
    return ",".join(DAYS[d] for d in sorted(days))


def allowed_at(
    moment: datetime, window: TimeWindow | None, weekdays: frozenset[int] | None
) -> bool:
    day = window.opened_on(moment) if window else moment
    if day is None:
        return False
    return weekdays is None or day.weekday() in weekdays
