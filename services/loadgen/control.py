"""Live control of the load: `GET/POST /gameday/load`, independent of Flask."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from services.loadgen.pacing import plan_for_rate

MAX_RATE = 100_000.0
MAX_USERS = 100_000
RUNNING_STATES = ("spawning", "running")
# Locust warns that spawning faster than this per process causes trouble; in practice a
# burst of new connections also makes the first requests fail.
SPAWN_RATE_PER_PROCESS = 100


def spawn_rate(users: int, processes: int) -> float:
    """Spawn within about a second when possible, never faster than the per-process cap.
    Users start at a random phase of their interval (see Pacer), so this is not a burst."""
    return max(1, min(users, SPAWN_RATE_PER_PROCESS * max(1, processes)))


class InvalidField(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class LoadChange:
    rate: float | None = None
    users: int | None = None


def parse_change(body: Any) -> LoadChange:
    """Validate a POST body: exactly one of {"rate": R} or {"users": N}."""
    if not isinstance(body, dict):
        raise InvalidField("body", 'expected a JSON object like {"rate": 50} or {"users": 10}')
    unknown = sorted(set(body) - {"rate", "users"})
    if unknown:
        raise InvalidField(unknown[0], "unknown field; expected rate or users")
    if ("rate" in body) == ("users" in body):
        raise InvalidField("rate", "give exactly one of rate or users")
    if "rate" in body:
        rate = body["rate"]
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not math.isfinite(rate):
            raise InvalidField("rate", "must be a number of requests per second")
        if not 0 <= rate <= MAX_RATE:
            raise InvalidField("rate", f"must be between 0 and {MAX_RATE:g}")
        return LoadChange(rate=float(rate))
    users = body["users"]
    if isinstance(users, bool) or not isinstance(users, int):
        raise InvalidField("users", "must be an integer")
    if not 0 <= users <= MAX_USERS:
        raise InvalidField("users", f"must be between 0 and {MAX_USERS}")
    return LoadChange(users=users)


class LoadControl:
    """Maps rates onto Locust users (see `pacing`) and drives the runner.

    `share_per_user_rate` tells the workers when the per-user rate changes; user counts reach
    them through Locust itself.
    """

    def __init__(
        self,
        runner: Any,
        max_per_user_rate: float,
        per_user_rate: float,
        share_per_user_rate: Callable[[float], None],
        user_processes: Callable[[], int] = lambda: 1,
    ) -> None:
        self._runner = runner
        self._max_per_user_rate = max_per_user_rate
        self.per_user_rate = per_user_rate
        self._share = share_per_user_rate
        self._user_processes = user_processes
        # Locust applies a new user count in the background; until it has, answer with what
        # was asked for rather than the count it is leaving behind.
        self._requested_users: int | None = None

    def target_users(self) -> int:
        requested = self._requested_users
        if requested is not None:
            if requested == 0 or self._runner.target_user_count == requested:
                self._requested_users = None
            else:
                return requested
        return self._runner.target_user_count if self._runner.state in RUNNING_STATES else 0

    def target_rate(self) -> float:
        return self.target_users() * self.per_user_rate

    def status(self) -> dict[str, Any]:
        return {
            "rate": round(self.target_rate(), 6),
            "users": self.target_users(),
            "running_users": self._runner.user_count,
            "per_user_rate": round(self.per_user_rate, 6),
            "state": self._runner.state,
        }

    def apply(self, change: LoadChange) -> None:
        if change.rate is not None:
            plan = plan_for_rate(change.rate, self._max_per_user_rate)
            self.per_user_rate = plan.per_user_rate
            self._share(plan.per_user_rate)
            self._set_users(plan.users)
        elif change.users is not None:
            self._set_users(change.users)

    def _set_users(self, users: int) -> None:
        self._requested_users = users
        if users == 0:
            self._runner.stop()
        else:
            self._runner.start(users, spawn_rate=spawn_rate(users, self._user_processes()))
