"""One scenario run, from the first fault to the verdict; the runner starts it as a task.

Phases: `running` (apply steps on schedule, tick every second: probes, alerts, abort
conditions), a heal that reverts everything, `recovering` (tick until the steady state holds or
recover_within passes), then the verdict and `reporting`. The heal also runs when the run is
stopped, aborted, cancelled or crashes: no fault outlives its run.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
from collections.abc import Awaitable, Callable
from typing import Protocol

from chaos.faults.manager import FaultError, FaultRecord, FaultRequest
from chaos.scenarios import measure, probes, timeline
from chaos.scenarios.clock import Clock
from chaos.scenarios.model import Scenario
from chaos.scenarios.probes import AbortWatch, ProbeResult, QueryFailed
from chaos.scenarios.record import Breach, FaultOutcome, RunRecord

log = logging.getLogger("gameday.scenarios")

TICK_SECONDS = 1.0  # probes and abort conditions are checked this often


class Faults(Protocol):
    """The part of the controller's FaultManager a run uses."""

    records: dict[str, FaultRecord]

    async def inject(self, request: FaultRequest, rng: random.Random | None = None
                     ) -> FaultRecord: ...

    async def abort(self) -> list[FaultRecord]: ...


class Signals(Protocol):
    """The part of the Prometheus client a run uses (a fake in unit tests)."""

    async def values(self, expr: str) -> list[float]: ...

    async def firing_alerts(self) -> set[str]: ...


class Run:
    def __init__(self, scenario: Scenario, record: RunRecord, faults: Faults, signals: Signals,
                 clock: Clock, rng: random.Random, started_monotonic: float,
                 baseline_alerts: set[str], report: Callable[[Run], Awaitable[None]],
                 tick_seconds: float = TICK_SECONDS) -> None:
        self.scenario = scenario
        self.record = record
        self.faults = faults
        self.signals = signals
        self.clock = clock
        self.rng = rng
        self.t0 = started_monotonic
        self.baseline_alerts = baseline_alerts
        self.report = report
        self.tick_seconds = tick_seconds
        self.planned = timeline.plan(scenario, rng)
        self.abort_watch = AbortWatch(scenario.abort_when)
        self.stop_requested = asyncio.Event()
        self.stop_reason = ""
        self.aborted = False
        self._breached: set[str] = set()
        self.record.faults = [
            FaultOutcome(label=p.label, step=p.step, repeat=p.repeat, type=p.request.type,
                         target=p.request.target, planned_at=p.at)
            for p in self.planned
        ]

    def now(self) -> float:
        return self.clock.monotonic() - self.t0

    def note(self, kind: str, message: str) -> None:
        self.record.note(self.now(), kind, message)
        self.record.elapsed = round(self.now(), 3)

    def request_stop(self, reason: str) -> None:
        if not self.stop_requested.is_set():
            self.stop_reason = reason
            self.stop_requested.set()

    # -- the run ---------------------------------------------------------------------------

    async def execute(self) -> RunRecord:
        try:
            await self._apply_steps()
            await self._heal("the last fault window ended" if not self.stop_requested.is_set()
                             else self.stop_reason)
            if not self.stop_requested.is_set():
                self.record.state = "recovering"
                await self._recover()
        except asyncio.CancelledError:
            self.request_stop("the run was cancelled (controller shutting down)")
        except Exception as exc:  # a bug must still end in a heal and a report
            log.exception("scenario run %s crashed", self.record.id)
            self.note("error", f"the runner failed: {type(exc).__name__}: {exc}")
            self.request_stop(f"the runner failed: {exc}")
        finally:
            await self._heal("end of run", quiet=True)
        self._decide()
        self.record.state = "reporting"
        try:
            await self.report(self)
        except Exception as exc:
            log.exception("report of run %s failed", self.record.id)
            self.note("error", f"writing the report failed: {type(exc).__name__}: {exc}")
        self.record.ended_at = self.clock.wall()
        self.record.elapsed = round(self.now(), 3)
        self.record.state = "finished"
        return self.record

    async def _apply_steps(self) -> None:
        """Inject each planned fault at its offset from the run's start (monotonic), never by
        summing sleeps, so a slow tick or a slow injection does not push later steps back."""
        injections: list[asyncio.Task] = []
        tick: asyncio.Task | None = None
        started = 0
        next_tick = 0.0
        last_end = max(p.end for p in self.planned)
        try:
            while not self.stop_requested.is_set():
                now = self.now()
                for planned in timeline.due(self.planned, started, now):
                    injections.append(asyncio.create_task(self._inject(planned, started)))
                    started += 1
                if now >= next_tick:
                    # Ticks run beside the schedule: a slow Prometheus must not delay a fault.
                    if tick is None or tick.done():
                        tick = asyncio.create_task(self._tick(during_faults=True))
                    next_tick = math.floor(now / self.tick_seconds + 1) * self.tick_seconds
                if started == len(self.planned) and now >= last_end:
                    break
                wake = [next_tick]
                if started < len(self.planned):
                    wake.append(self.planned[started].at)
                else:
                    wake.append(last_end)
                await self.clock.wait(min(wake) - self.now(), self.stop_requested)
        finally:
            await asyncio.gather(*injections, *([tick] if tick else []), return_exceptions=True)

    async def _inject(self, planned: timeline.PlannedFault, index: int) -> None:
        outcome = self.record.faults[index]
        outcome.started_at = round(self.now(), 3)
        try:
            fault = await self.faults.inject(
                planned.request, rng=self.rng,
                actor="schedule" if self.record.source.startswith("schedule") else "user")
        except FaultError as exc:
            outcome.state, outcome.error = "failed", exc.message
            self.note("error", f"{planned.label}: could not inject: {exc.message}")
            return
        outcome.fault_id, outcome.targets, outcome.state = fault.id, fault.targets, fault.state
        outcome.applied_at = round(self.now(), 3)
        late = outcome.started_at - planned.at
        self.note("inject", f"{planned.label}: {fault.type} on {', '.join(fault.targets)} "
                            f"for {planned.duration:g}s ({fault.id}, {late * 1000:+.0f} ms)"
                  if fault.state != "skipped" else f"{planned.label}: skipped")

    async def _tick(self, during_faults: bool) -> list[ProbeResult]:
        results = await probes.evaluate(self.scenario.steady_state, self.signals.values)
        t = self.now()
        self.record.last_probes = results
        self.record.elapsed = round(t, 3)
        try:
            new_alerts = await self.signals.firing_alerts() - self.baseline_alerts
        except QueryFailed:
            new_alerts = set()
        self._sync_fault_windows()
        for kind, message in measure.observe(self.record.faults, t, results, new_alerts):
            self.note(kind, message)
        if during_faults:
            self._check_breaches(t, results)
            triggered = await self.abort_watch.check(t, self.signals.values)
            if triggered and not self.aborted:
                condition, value = triggered
                self.aborted = True
                self.note("abort", f"abort condition {condition.name!r} held for "
                                   f"{condition.for_:g}s (value {value:.4g}, "
                                   f"{condition.describe()})")
                self.request_stop(f"abort condition {condition.name!r} held for "
                                  f"{condition.for_:g}s")
        return results

    def _check_breaches(self, t: float, results: list[ProbeResult]) -> None:
        strict = {p.name for p in self.scenario.steady_state if p.must_hold_during_faults}
        for result in results:
            if result.ok or result.name not in strict or result.name in self._breached:
                continue
            self._breached.add(result.name)
            self.record.breaches.append(Breach(probe=result.name, t=round(t, 3),
                                               phase="during-faults", value=result.value,
                                               expected=result.expected))
            self.note("breach", f"steady state broken during faults: {result.describe()}")

    def _sync_fault_windows(self) -> None:
        """Note when each fault ended, from the fault manager's own records."""
        for outcome in self.record.faults:
            record = self.faults.records.get(outcome.fault_id or "")
            if record is None or outcome.ended_at is not None:
                continue
            if record.state in ("reverted", "failed") and record.ended_at is not None:
                outcome.state = record.state
                outcome.ended_at = round(max(record.ended_at - self.record.started_at, 0), 3)
                self.note("revert", f"{outcome.label}: reverted ({outcome.fault_id})")

    async def _heal(self, why: str, quiet: bool = False) -> None:
        reverted = await self.faults.abort()
        self._sync_fault_windows()
        if reverted or not quiet:
            self.note("heal", f"heal ({why}): reverted {len(reverted)} active fault(s)")

    async def _recover(self) -> None:
        healed = self.now()
        deadline = healed + self.scenario.recover_within
        beat = 0
        while True:
            results = await self._tick(during_faults=False)
            if probes.all_hold(results):
                self.record.recovered_after = round(self.now() - healed, 3)
                self.note("recover", f"steady state holds again "
                                     f"{self.record.recovered_after:.1f}s after the heal")
                return
            if self.now() >= deadline or self.stop_requested.is_set():
                for result in results:
                    if not result.ok:
                        self.record.breaches.append(Breach(
                            probe=result.name, t=round(self.now(), 3), phase="recovery",
                            value=result.value, expected=result.expected))
                        self.note("breach", f"not recovered within "
                                            f"{self.scenario.recover_within:g}s: "
                                            f"{result.describe()}")
                return
            beat += 1
            await self.clock.wait(healed + beat * self.tick_seconds - self.now(),
                                  self.stop_requested)

    def _decide(self) -> None:
        record = self.record
        failed_injections = [f for f in record.faults if f.state == "failed" and f.fault_id is None]
        if self.stop_requested.is_set() and record.verdict is None:
            record.verdict, record.reason = "aborted", self.stop_reason
        elif record.breaches:
            record.verdict = "failed"
            record.reason = "; ".join(
                f"{b.probe} broke at {b.t:.1f}s ({b.phase}): "
                f"{'no data' if b.value is None else f'{b.value:.4g}'}, want {b.expected}"
                for b in record.breaches)
        elif failed_injections:
            record.verdict = "failed"
            record.reason = (f"{len(failed_injections)} fault(s) could not be injected, so the "
                             "experiment did not run as designed: "
                             + "; ".join(f"{f.label}: {f.error}" for f in failed_injections))
        else:
            record.verdict, record.reason = "passed", "the steady state held as hypothesised"
        self.note("verdict", f"{record.verdict}: {record.reason}")
