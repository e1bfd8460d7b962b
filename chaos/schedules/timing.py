"""When something fires next: an interval or a cron expression, each with bounded jitter.

`next(after, rng)` is pure: the same `after` and the same random generator state always give
the same answer, so a seeded schedule is repeatable and unit tests need no real clock.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import datetime, tzinfo

from croniter import croniter

from chaos.durations import format_duration, parse_duration

MIN_INTERVAL_SECONDS = 1.0
MAX_JITTER_PERCENT = 99  # 100% would allow a zero delay, i.e. firing back to back
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%")


@dataclass(frozen=True)
class Jitter:
    """Either a fraction of the period (`10%`) or a fixed spread in seconds (`30s`)."""

    fraction: float = 0.0
    seconds: float = 0.0

    def spread(self, period: float) -> float:
        """The largest offset allowed for a period of `period` seconds."""
        return self.fraction * period if self.fraction else min(self.seconds, period)

    @property
    def text(self) -> str:
        if self.fraction:
            return f"{self.fraction * 100:g}%"
        return format_duration(self.seconds) if self.seconds else "0%"


def parse_jitter(text: str | float | None) -> Jitter:
    """`50%` (a share of the period, at most 99%) or a duration such as `30s`."""
    if text is None or text == "":
        return Jitter()
    if isinstance(text, str) and (match := _PERCENT.fullmatch(text.strip())):
        percent = float(match.group(1))
        if percent > MAX_JITTER_PERCENT:
            raise ValueError(f"jitter {text!r} is too large: use 0% to {MAX_JITTER_PERCENT}%")
        return Jitter(fraction=percent / 100)
    try:
        return Jitter(seconds=parse_duration(text))
    except ValueError:
        raise ValueError(
            f"invalid jitter {text!r}: use a percentage of the period (e.g. 10%) "
            f"or a duration (e.g. 30s)"
        ) from None


def parse_interval(text: str | float) -> float:
    seconds = parse_duration(text)
    if seconds < MIN_INTERVAL_SECONDS:
        raise ValueError(f"interval {text!r} is too short: at least {MIN_INTERVAL_SECONDS:g}s")
    return seconds


def check_cron(expr: str) -> str:
    expr = " ".join(expr.split())
    if len(expr.split()) != 5 or not croniter.is_valid(expr):
        raise ValueError(
            f"invalid cron expression {expr!r}: use 5 fields, minute hour day-of-month month "
            f"day-of-week (e.g. '*/15 9-17 * * mon-fri')"
        )
    return expr


@dataclass(frozen=True)
class Every:
    """Fire every `seconds`, each delay drawn uniformly within +/- the jitter spread."""

    seconds: float
    jitter: Jitter = Jitter()

    def next(self, after: float, rng: random.Random) -> float:
        spread = min(self.jitter.spread(self.seconds), self.seconds * MAX_JITTER_PERCENT / 100)
        return after + self.seconds + rng.uniform(-spread, spread)

    @property
    def text(self) -> str:
        return f"every {format_duration(self.seconds)}"


@dataclass(frozen=True)
class Cron:
    """Fire at the cron times (in `tz`, the controller's local zone when None).

    Jitter only ever delays, by at most the spread of the gap to the following cron time, so a
    jittered run never starts before the time the user wrote and never overtakes the next one.
    """

    expr: str
    jitter: Jitter = Jitter()
    tz: tzinfo | None = None

    def _times(self, after: float) -> croniter:
        start = (
            datetime.fromtimestamp(after, self.tz)
            if self.tz
            else datetime.fromtimestamp(after).astimezone()
        )
        return croniter(self.expr, start)

    def next(self, after: float, rng: random.Random) -> float:
        times = self._times(after)
        fire = times.get_next(float)
        if not (self.jitter.fraction or self.jitter.seconds):
            return fire
        gap = times.get_next(float) - fire
        return fire + rng.uniform(0, self.jitter.spread(gap))

    @property
    def text(self) -> str:
        return f"cron {self.expr}"
