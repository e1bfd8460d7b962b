"""Next-fire computation: intervals with bounded jitter, cron via croniter, all pure."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from chaos.schedules.timing import Cron, Every, check_cron, parse_interval, parse_jitter

T0 = datetime(2024, 3, 4, 10, 3, 20, tzinfo=UTC).timestamp()  # a Monday


def test_interval_without_jitter_is_exact():
    assert Every(120).next(T0, random.Random(1)) == T0 + 120


@pytest.mark.parametrize(("jitter", "low", "high"), [("50%", 60, 180), ("30s", 90, 150)])
def test_interval_jitter_stays_within_the_spread_and_uses_it(jitter, low, high):
    schedule = Every(120, parse_jitter(jitter))
    rng = random.Random(7)
    delays = [schedule.next(T0, rng) - T0 for _ in range(2000)]
    assert low <= min(delays) and max(delays) <= high
    # Both sides of the spread are actually used, not just one end.
    assert min(delays) < low + 10 and max(delays) > high - 10


def test_same_seed_gives_the_same_times():
    schedule = Every(60, parse_jitter("50%"))

    def times(seed):
        rng, t, out = random.Random(seed), T0, []
        for _ in range(5):
            t = schedule.next(t, rng)
            out.append(t)
        return out

    assert times(42) == times(42)
    assert times(42) != times(43)


def test_cron_fires_at_the_next_matching_minute():
    cron = Cron(check_cron("*/15 * * * *"), tz=UTC)
    expected = datetime(2024, 3, 4, 10, 15, tzinfo=UTC).timestamp()
    assert cron.next(T0, random.Random()) == expected
    assert cron.next(expected, random.Random()) == expected + 900


def test_cron_jitter_only_delays_and_stays_within_the_share_of_the_gap():
    cron = Cron("*/15 * * * *", parse_jitter("10%"), tz=UTC)
    planned = datetime(2024, 3, 4, 10, 15, tzinfo=UTC).timestamp()
    rng = random.Random(3)
    fires = [cron.next(T0, rng) for _ in range(500)]
    assert all(planned <= f <= planned + 90 for f in fires)  # 10% of the 15 min gap
    assert max(fires) > planned + 60


def test_cron_weekday_names_work():
    cron = Cron(check_cron("0 9 * * sat"), tz=UTC)
    assert datetime.fromtimestamp(cron.next(T0, random.Random()), UTC) == datetime(
        2024, 3, 9, 9, 0, tzinfo=UTC
    )


@pytest.mark.parametrize("expr", ["61 * * * *", "* * *", "every day", "* * * * * *"])
def test_bad_cron_is_refused_with_the_expected_shape(expr):
    with pytest.raises(ValueError, match="5 fields"):
        check_cron(expr)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("100%", "0% to 99%"),
        ("lots", "percentage"),
        ("-5s", "percentage"),
    ],
)
def test_bad_jitter_is_refused(text, message):
    with pytest.raises(ValueError, match=message):
        parse_jitter(text)


def test_intervals_must_be_real_durations_of_at_least_a_second():
    assert parse_interval("10m") == 600
    with pytest.raises(ValueError, match="at least 1s"):
        parse_interval("200ms")
    with pytest.raises(ValueError, match="invalid duration"):
        parse_interval("soon")
