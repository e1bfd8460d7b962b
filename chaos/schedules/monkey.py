"""The monkey service: strikes at random times through the fault manager, logs every decision.

`strike(now)` is one step over a given clock value (tests drive it with a fake clock and a fake
fault manager); `run()` is the loop the controller starts. Faults go through
`FaultManager.inject`, so they are journaled, timed and reverted like any other.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import datetime, tzinfo
from typing import Protocol

from chaos.faults.manager import FaultError, FaultRecord, FaultRequest
from chaos.schedules.monkey_config import MonkeyConfig
from chaos.schedules.planner import Decision, decide
from chaos.targets import Member

log = logging.getLogger("gameday.monkey")

POLL_SECONDS = 0.25
HISTORY_SIZE = 200


class Injector(Protocol):
    """What the monkey needs of the fault manager."""

    def active(self) -> list[FaultRecord]: ...

    async def inject(self, request: FaultRequest) -> FaultRecord: ...

    async def revert(self, fault_id: str) -> FaultRecord: ...


class Monkey:
    def __init__(
        self,
        faults: Injector,
        members: Callable[[], Awaitable[list[Member]]],
        ready: Callable[[], bool] = lambda: True,
        clock: Callable[[], float] = time.time,
        tz: tzinfo | None = None,
    ) -> None:
        self.faults = faults
        self.members = members
        self.ready = ready
        self.clock = clock
        self.tz = tz
        self.config: MonkeyConfig | None = None
        self.started_at: float | None = None
        self.next_fire: float | None = None
        self.rng = random.Random()
        self.decisions: deque[Decision] = deque(maxlen=HISTORY_SIZE)
        self.counts = {"fired": 0, "skipped": 0, "failed": 0}
        # Ids of faults the monkey injected; kept across a replace so the limit still counts
        # faults a previous config started.
        self.owned: set[str] = set()

    @property
    def running(self) -> bool:
        return self.config is not None

    def active_ids(self) -> list[str]:
        active = {r.id for r in self.faults.active()}
        self.owned &= active  # forget faults that are over
        return sorted(self.owned)

    # -- commands ----------------------------------------------------------------------------

    def start(self, config: MonkeyConfig) -> None:
        """Start, or replace the running config; the first strike is one interval away."""
        now = self.clock()
        self.config = config
        self.started_at = now
        self.rng = random.Random(config.seed)
        self.counts = dict.fromkeys(self.counts, 0)
        self.next_fire = config.timing.next(now, self.rng)
        log.info("monkey started: %s", config.summary)

    async def stop(self) -> list[str]:
        """Stop striking and revert the monkey's faults: stopping the monkey means calm now."""
        was_running = self.running
        self.config = None
        self.next_fire = None
        reverted = []
        for fault_id in self.active_ids():
            try:
                await self.faults.revert(fault_id)
                reverted.append(fault_id)
            except FaultError as exc:
                log.warning("could not revert monkey fault %s: %s", fault_id, exc.message)
        self.owned.clear()
        if was_running:
            log.info("monkey stopped; reverted %s", ", ".join(reverted) or "nothing")
        return reverted

    # -- striking ----------------------------------------------------------------------------

    def _moment(self, at: float) -> datetime:
        return datetime.fromtimestamp(at, self.tz) if self.tz else datetime.fromtimestamp(at)

    async def strike(self, now: float) -> Decision | None:
        """Decide and act if a strike is due at `now`; the decision is also logged."""
        config = self.config
        if config is None or self.next_fire is None or now < self.next_fire:
            return None
        planned = self.next_fire
        if not self.ready():
            decision = Decision(
                at=now,
                action="skipped",
                reason="stack-not-ready",
                detail="the stack is starting or stopping",
            )
        else:
            decision = await self._decide_and_inject(config, now)
        self._record(decision)
        # From the planned time so jitter stays as configured; from now if far behind.
        after = planned if now - planned < config.timing.seconds else now
        self.next_fire = max(config.timing.next(after, self.rng), now + 0.001)
        return decision

    async def _decide_and_inject(self, config: MonkeyConfig, now: float) -> Decision:
        members = await self.members()
        active = self.faults.active()
        busy = {name for record in active for name in record.targets}
        decision = decide(
            config, now, self._moment(now), members, busy, len(self.active_ids()), self.rng
        )
        if decision.action != "fired":
            return decision
        try:
            record = await self.faults.inject(
                FaultRequest(type=decision.fault, target=decision.target, duration=config.duration),
                actor="schedule")
        except FaultError as exc:
            return decision.model_copy(
                update={"action": "failed", "reason": "inject-failed", "detail": exc.message}
            )
        self.owned.add(record.id)
        return decision.model_copy(update={"fault_id": record.id})

    def _record(self, decision: Decision) -> None:
        self.decisions.append(decision)
        self.counts[decision.action] += 1
        if decision.action == "fired":
            log.info("monkey fired %s (%s)", decision.detail, decision.fault_id)
        else:
            log.info("monkey %s (%s): %s", decision.action, decision.reason, decision.detail)

    async def run(self) -> None:
        while True:
            try:
                await self.strike(self.clock())
            except Exception:  # one bad strike must not kill the monkey loop
                log.exception("monkey strike failed")
            await asyncio.sleep(POLL_SECONDS)

    # -- reporting ---------------------------------------------------------------------------

    def snapshot(self) -> dict:
        """Config, state and recent decisions (newest first), as the API shows them."""
        return {
            "config": self.config.model_dump(mode="json") if self.config else None,
            "summary": self.config.summary if self.config else None,
            "state": {
                "running": self.running,
                "started_at": self.started_at if self.running else None,
                "next_fire": self.next_fire,
                "active_faults": self.active_ids(),
                **self.counts,
            },
            "decisions": [d.model_dump(mode="json") for d in reversed(self.decisions)],
        }
