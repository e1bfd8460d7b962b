"""The fault manager: the single place that targets, rolls dice, journals, times and reverts.

Faults themselves only know apply() and revert(); this class guarantees the rest:
a deadline for every fault, a journal entry before every act, a revert that is retried until
it succeeds, and recovery of whatever a crashed controller left behind.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator

from chaos.durations import parse_duration
from chaos.faults import FAULTS
from chaos.faults.base import Fault
from chaos.faults.context import FaultContext
from chaos.journal import Journal
from chaos.refusal import Refusal
from chaos.targets import Member, TargetError, parse_target, resolve

log = logging.getLogger("gameday.faults")

DEFAULT_DURATION_SECONDS = 60.0
MAX_DURATION_SECONDS = 3600.0
MAX_REVERT_BACKOFF_SECONDS = 30.0
# How long a revert waits for an apply still in flight to finish by itself before cancelling
# it: letting it land first means the revert undoes a whole apply, not one cut off midway.
APPLY_GRACE_SECONDS = 5.0
HISTORY_SIZE = 200


def fault_duration(value: float | str) -> float:
    """A fault's duration in seconds, from a number or text ("30s", "2m"): more than 0, at most
    an hour (a ValueError says so otherwise)."""
    seconds = parse_duration(value)
    if not 0 < seconds <= MAX_DURATION_SECONDS:
        raise ValueError(f"must be more than 0 and at most {MAX_DURATION_SECONDS:.0f}s (1h)")
    return seconds


class FaultRequest(BaseModel):
    type: str
    target: str
    params: dict[str, Any] = Field(default_factory=dict)
    duration: float | str = DEFAULT_DURATION_SECONDS
    probability: float = Field(1.0, ge=0, le=1)

    @field_validator("duration")
    @classmethod
    def _duration(cls, value: float | str) -> float:
        return fault_duration(value)


class FaultError(Refusal):
    """A fault request the controller refuses."""


# Who asked: a person, a schedule (its runs, the monkey), a drill, the controller (recovery).
Actor = Literal["user", "schedule", "drill", "controller"]


class FaultRecord(BaseModel):
    id: str
    type: str
    target: str
    targets: list[str]
    peers: list[str] | None = None
    params: dict[str, Any]
    duration: float
    probability: float = 1.0
    state: str  # applying, active, reverting, reverted, failed, revert_failed, skipped
    created_at: float
    deadline: float | None = None
    ended_at: float | None = None
    error: str | None = None
    revert_attempts: int = 0
    recovered: bool = False
    actor: Actor = "user"


class FaultManager:
    apply_grace = APPLY_GRACE_SECONDS

    def __init__(
        self,
        ctx: FaultContext,
        journal: Journal,
        members: Callable[[], Awaitable[list[Member]]],
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.ctx = ctx
        self.journal = journal
        self.members = members
        self.rng = rng or random.Random()
        self.clock = clock
        self.records: dict[str, FaultRecord] = {}
        self._faults: dict[str, Fault] = {}
        self._timers: dict[str, asyncio.Task] = {}
        # An apply in flight, and the faults a revert has claimed while it was: such an apply
        # never turns its record `active`; the revert runs after it, whatever it did.
        self._applying: dict[str, asyncio.Task] = {}
        self._stopping: set[str] = set()
        self._locks: dict[str, asyncio.Lock] = {}
        self.injections: Counter[tuple[str, str]] = Counter()
        self.reverts: Counter[tuple[str, str]] = Counter()

    # -- queries ---------------------------------------------------------------------------

    def active(self) -> list[FaultRecord]:
        return [
            r
            for r in self.records.values()
            if r.state in ("applying", "active", "reverting", "revert_failed")
        ]

    def listing(self) -> list[FaultRecord]:
        return sorted(self.records.values(), key=lambda r: r.created_at, reverse=True)

    # -- inject ----------------------------------------------------------------------------

    def _validate(self, request: FaultRequest) -> tuple[type[Fault], BaseModel]:
        cls = FAULTS.get(request.type)
        if cls is None:
            raise FaultError(
                404, f"unknown fault type {request.type!r}; known: {', '.join(sorted(FAULTS))}"
            )
        runtime = self.ctx.runtime
        reason = cls.support(runtime.name, runtime.capabilities())
        if reason:
            raise FaultError(
                409, f"{request.type} is not supported on the {runtime.name} runtime: {reason}"
            )
        try:
            params = cls.Params.model_validate(request.params)
        except ValidationError as exc:
            errors = [
                {"field": ".".join(["params", *map(str, e["loc"])]), "message": e["msg"]}
                for e in exc.errors()
            ]
            raise FaultError(
                422,
                "invalid params: " + "; ".join(f"{e['field']}: {e['message']}" for e in errors),
                errors,
            ) from None
        return cls, params

    def _resolve(
        self,
        text: str,
        cls: type[Fault],
        field: str,
        members: list[Member],
        allowed_roles: frozenset[str] | None,
        rng: random.Random | None = None,
    ) -> list[str]:
        roles = {m.role for m in members}
        names = {m.name for m in members}
        if field != "target" and text in roles:
            text = f"{text}:all"  # `to=store` reads better than `to=store:all`
        try:
            chosen = resolve(parse_target(text, roles, names), members, rng or self.rng)
        except TargetError as exc:
            raise FaultError(404, f"{field}: {exc}") from None
        if allowed_roles is not None:
            role_of = {m.name: m.role for m in members}
            wrong = [n for n in chosen if role_of[n] not in allowed_roles]
            if wrong:
                raise FaultError(
                    422,
                    f"{field}: {cls.type} applies to roles {sorted(allowed_roles)}, "
                    f"not {', '.join(wrong)}",
                    [{"field": field, "message": f"allowed roles: {sorted(allowed_roles)}"}],
                )
        return chosen

    async def inject(self, request: FaultRequest, rng: random.Random | None = None,
                     actor: Actor = "user") -> FaultRecord:
        """Apply a fault; `rng` (e.g. a scenario's seeded one) replaces the manager's own
        for this injection's random choices, so a seeded run picks the same targets."""
        rng = rng or self.rng
        cls, params = self._validate(request)
        members = await self.members()
        targets = self._resolve(request.target, cls, "target", members, cls.roles, rng)
        peers = None
        peer_text = getattr(params, cls.peer_param, None) if cls.peer_param else None
        if peer_text:
            peers = self._resolve(peer_text, cls, f"params.{cls.peer_param}", members, None, rng)
        now = self.clock()
        record = FaultRecord(
            id=f"f-{uuid.uuid4().hex[:10]}",
            type=cls.type,
            target=request.target,
            targets=targets,
            peers=peers,
            params=params.model_dump(mode="json"),
            duration=request.duration,
            probability=request.probability,
            state="applying",
            created_at=now,
            actor=actor,
        )
        if request.probability < 1 and rng.random() >= request.probability:
            record.state, record.ended_at = "skipped", now
            self._remember(record)
            self.injections[(cls.type, "skipped")] += 1
            return record
        fault = cls(record.id, targets, params, request.duration, self.ctx, peers=peers)
        self.journal.append("apply", **self._journal_fields(record))
        # The deadline runs from now, applying included: a hung apply is reverted too.
        record.deadline = now + request.duration
        self._remember(record)
        self._faults[record.id] = fault
        self._timers[record.id] = asyncio.create_task(self._expire(record.id, request.duration))
        apply = asyncio.create_task(self._apply(record, fault))
        self._applying[record.id] = apply
        apply.add_done_callback(lambda t: t.cancelled() or t.exception())  # seen, if orphaned
        # Shielded: a caller that goes away (a closed HTTP request) must not cut the apply
        # short; `_apply` settles the record either way and the deadline stays armed.
        await asyncio.shield(apply)
        return record

    async def _apply(self, record: FaultRecord, fault: Fault) -> None:
        try:
            await fault.apply()
        except asyncio.CancelledError:
            self._applying.pop(record.id, None)
            if record.id in self._stopping:
                return  # cancelled by a revert, which undoes whatever half-happened
            raise
        except Exception as exc:  # any failure: undo what half-happened, then report it
            self._applying.pop(record.id, None)
            log.warning("applying %s %s failed: %s", record.type, record.id, exc)
            if record.id in self._stopping:
                return  # a revert is already waiting to undo it
            record.state, record.error = "failed", f"{type(exc).__name__}: {exc}"
            self.injections[(record.type, "failed")] += 1
            await self._revert(record, final_state="failed")
            raise FaultError(
                502,
                f"could not apply {record.type} to {', '.join(record.targets)}: {record.error}",
            ) from None
        self._applying.pop(record.id, None)
        self.injections[(record.type, "applied")] += 1
        if record.state == "applying":  # no revert came in while it was applying
            record.state = "active"

    def _remember(self, record: FaultRecord) -> None:
        self.records[record.id] = record
        finished = [r for r in self.listing() if r.state in ("reverted", "failed", "skipped")]
        for old in finished[HISTORY_SIZE:]:
            self.records.pop(old.id, None)

    @staticmethod
    def _journal_fields(record: FaultRecord) -> dict:
        return record.model_dump(
            include={"id", "type", "target", "targets", "peers", "params", "duration"}
        )

    # -- revert ----------------------------------------------------------------------------

    async def _expire(self, fault_id: str, after: float) -> None:
        await asyncio.sleep(after)
        self._drop_own_timer(fault_id)
        record = self.records.get(fault_id)
        if record is not None and record.state in ("applying", "active"):
            await self._revert(record)

    def _drop_own_timer(self, fault_id: str) -> None:
        """A timer that fires takes itself out first, so no later revert cancels it midway."""
        if self._timers.get(fault_id) is asyncio.current_task():
            del self._timers[fault_id]

    async def revert(self, fault_id: str) -> FaultRecord:
        record = self.records.get(fault_id)
        if record is None:
            raise FaultError(404, f"no fault {fault_id!r}")
        if record.state in ("applying", "active", "reverting", "revert_failed"):
            await self._revert(record)
        return record

    async def abort(self) -> list[FaultRecord]:
        """Revert everything now, concurrently, applies still in flight included."""
        active = self.active()
        await asyncio.gather(*(self._revert(r) for r in active))
        return active

    async def _settle_apply(self, record: FaultRecord) -> None:
        """Claim a fault whose apply is in flight, and wait until that apply is over: it lands
        within the grace, or it is cancelled. Either way the caller's revert runs after it."""
        apply = self._applying.get(record.id)
        if apply is None or apply is asyncio.current_task():
            return
        self._stopping.add(record.id)
        if record.state == "applying":
            record.state = "reverting"
        done, _ = await asyncio.wait([apply], timeout=self.apply_grace)
        if not done:
            log.warning(
                "%s %s still applying after %.0fs; cancelling it to revert",
                record.type,
                record.id,
                self.apply_grace,
            )
            apply.cancel()
            await asyncio.wait([apply])

    async def _revert(self, record: FaultRecord, final_state: str = "reverted") -> None:
        await self._settle_apply(record)
        async with self._locks.setdefault(record.id, asyncio.Lock()):
            await self._revert_now(record, final_state)

    async def _revert_now(self, record: FaultRecord, final_state: str) -> None:
        timer = self._timers.pop(record.id, None)
        if timer is not None and timer is not asyncio.current_task():
            timer.cancel()
        fault = self._faults.get(record.id)
        if fault is None:
            return
        if final_state == "reverted":
            record.state = "reverting"
        self.journal.append("revert", id=record.id)
        try:
            await fault.revert()
        except Exception as exc:  # a failed revert is never forgotten: retry until it works
            record.revert_attempts += 1
            record.error = f"revert failed: {type(exc).__name__}: {exc}"
            record.state = "revert_failed"
            self.reverts[(record.type, "failed")] += 1
            delay = min(2**record.revert_attempts, MAX_REVERT_BACKOFF_SECONDS)
            log.warning(
                "reverting %s failed (attempt %d), retrying in %.0fs: %s",
                record.id,
                record.revert_attempts,
                delay,
                exc,
            )
            self._timers[record.id] = asyncio.create_task(self._retry(record.id, delay))
            return
        self.journal.append("reverted", id=record.id)
        self._faults.pop(record.id, None)
        self._stopping.discard(record.id)
        self._locks.pop(record.id, None)
        record.state = final_state
        record.ended_at = self.clock()
        if final_state == "reverted":
            self.reverts[(record.type, "ok")] += 1

    async def _retry(self, fault_id: str, delay: float) -> None:
        await asyncio.sleep(delay)
        self._drop_own_timer(fault_id)
        record = self.records.get(fault_id)
        if record is not None and record.state == "revert_failed":
            await self._revert(record)

    # -- recovery --------------------------------------------------------------------------

    async def recover(self) -> list[FaultRecord]:
        """Revert whatever a previous controller applied and did not revert."""
        recovered = []
        for entry in self.journal.pending():
            if entry["id"] in self.records:
                continue  # already being reverted (a failed revert is retried on its own)
            cls = FAULTS.get(entry["type"])
            if cls is None:
                log.error("journal names unknown fault type %r; dropping", entry["type"])
                self.journal.append("reverted", id=entry["id"])
                continue
            params = cls.Params.model_validate(entry["params"])
            record = FaultRecord(
                id=entry["id"],
                type=entry["type"],
                target=entry["target"],
                targets=entry["targets"],
                peers=entry.get("peers"),
                params=entry["params"],
                duration=entry["duration"],
                state="reverting",
                created_at=entry["ts"],
                recovered=True,
                actor="controller",
            )
            self.records[record.id] = record
            self._faults[record.id] = cls(
                record.id, record.targets, params, record.duration, self.ctx, peers=record.peers
            )
            await self._revert(record)
            recovered.append(record)
        if all(r.state == "reverted" for r in recovered):
            self.journal.compact()
        return recovered
