"""Fixed-rate (open loop) pacing, and how a total rate maps onto Locust users.

Locust users are closed loops: a user waits for its request before sending the next one. To
send a fixed rate anyway, each user gets a slot every 1/per_user_rate seconds and the request
timeout is kept shorter than that interval (checked by `LoadOptions`), so even a request that
times out finishes before the user's next slot. Slowdowns then show up as latency and errors,
never as a lower request rate.

Mapping: rate = users x per_user_rate. Setting a rate picks the fewest users that keep each
user at or below the configured per-user maximum, then spreads the rate evenly over them.
Setting users (here or in the Locust UI) keeps the per-user rate and so scales the total.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class LoadPlan:
    users: int
    per_user_rate: float

    @property
    def rate(self) -> float:
        return self.users * self.per_user_rate


def plan_for_rate(rate: float, max_per_user_rate: float) -> LoadPlan:
    if rate <= 0:
        return LoadPlan(users=0, per_user_rate=max_per_user_rate)
    # The epsilon keeps 50 / 0.5 at 100 users despite float rounding.
    users = max(1, math.ceil(rate / max_per_user_rate - 1e-9))
    return LoadPlan(users=users, per_user_rate=rate / users)


def plan_for_users(users: int, per_user_rate: float) -> LoadPlan:
    return LoadPlan(users=users, per_user_rate=per_user_rate)


class Pacer:
    """Slots for one user, every 1/rate seconds on a fixed schedule.

    The first slot is at a random phase within one interval, so users spawned together spread
    their requests evenly instead of firing in bursts. A request that overruns its slot starts
    the next one immediately and re-anchors the schedule: no burst to catch up.
    """

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        phase: Callable[[], float] = random.random,
    ) -> None:
        self._clock = clock
        self._phase = phase
        self._next_slot: float | None = None

    def first_delay(self, rate: float) -> float:
        now = self._clock()
        self._next_slot = now + self._phase() / rate
        return self._next_slot - now

    def wait_time(self, rate: float) -> float:
        now = self._clock()
        if self._next_slot is None:
            self._next_slot = now
        self._next_slot = max(self._next_slot + 1 / rate, now)
        return self._next_slot - now
