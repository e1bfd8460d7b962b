"""The controller's drill: start one hidden incident, take hints and answers, measure the
mitigation in the background, and end it with a reveal. One drill at a time."""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chaos.cluster import ClusterView
from chaos.drills import debrief, hiding, hints, history, scoring
from chaos.drills.causes import CAUSES, DIFFICULTIES
from chaos.drills.incidents import FAULT_SECONDS, Incident, Topology, pick
from chaos.drills.model import Answer, Drill, InjectedFault
from chaos.drills.paging import PageWatch
from chaos.drills.steady import ARM_AFTER_SECONDS, HOLD_SECONDS, SteadyWatch
from chaos.faults.manager import FaultError
from chaos.pager.model import Page
from chaos.refusal import Refusal
from chaos.scenarios import probes
from chaos.scenarios.probes import QueryFailed
from chaos.scenarios.prometheus import Prometheus

if TYPE_CHECKING:
    from chaos.faults.manager import FaultManager
    from chaos.runtime.base import SupervisingRuntime
    from chaos.stack.plan import StackPlan

log = logging.getLogger("gameday.drills")

POLL_SECONDS = 1.5
# A drill ends by itself a little before its faults would expire on their own.
TIME_LIMIT_SECONDS = FAULT_SECONDS - 30
VOID_REASON = "void: the incident never showed"


class DrillError(Refusal):
    """A drill request the controller refuses; `field` names the culprit, if one is."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(status, message, field=field)


class DrillService:
    """Drills over the parts they use: the plan and runtime (what can be picked and answered),
    the fault manager (inject, hide, revert), the cluster's health (a drill starts from a steady
    state), Prometheus (probes, debrief), whether a scenario is running, the operator's
    `moves` (remediation's log, to measure time to mitigate) and the `pages` (the pager's, to
    measure time to acknowledge). Keeps its files under `dir`."""

    def __init__(self, dir: Path, plan: StackPlan, runtime: SupervisingRuntime,
                 faults: FaultManager, *, cluster: ClusterView, prometheus: Prometheus,
                 scenario_running: Callable[[], bool], moves: Callable[[], list[dict[str, Any]]],
                 pages: Callable[[], list[Page]] = list,
                 poll_seconds: float = POLL_SECONDS,
                 void_after: float = ARM_AFTER_SECONDS) -> None:
        self.dir, self.plan, self.runtime, self.faults = dir, plan, runtime, faults
        self.cluster, self.prometheus = cluster, prometheus
        self.scenario_running, self.moves, self.pages = scenario_running, moves, pages
        self.paging = PageWatch()  # the pages already on the drill's timeline
        self.poll_seconds = poll_seconds
        # An incident that has not shown (no breach, no page) this long does not bite: void.
        self.void_after = void_after
        self.drill: Drill | None = None  # the running drill, or the last one
        self.incident: Incident | None = None
        self.watch = SteadyWatch()
        self._task: asyncio.Task | None = None
        self._lock = asyncio.Lock()
        # While faults are being applied their ids are not known yet; hide anything new.
        self._injecting_since: float | None = None
        self._seen_before: set[str] = set()

    # -- what is hidden ----------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.drill is not None and self.drill.state == "running"

    def hidden_fault_ids(self) -> set[str]:
        if not self.running:
            return set()
        hidden = {f.id for f in self.drill.faults if f.id}
        if self._injecting_since is not None:
            hidden |= {i for i, r in self.faults.records.items()
                       if i not in self._seen_before and r.created_at >= self._injecting_since}
        return hidden

    def hidden_components(self) -> set[str]:
        records = self.faults.records
        return {t for i in self.hidden_fault_ids() if i in records for t in records[i].targets}

    def mask_status(self, status: dict) -> dict:
        return hiding.mask_status(status, self.hidden_components())

    # -- the learner's calls -----------------------------------------------------------------

    async def start(self, difficulty: str, seed: int | None = None) -> dict[str, Any]:
        if difficulty not in DIFFICULTIES:
            raise DrillError(422, f"difficulty must be one of {', '.join(DIFFICULTIES)}, not "
                                  f"{difficulty!r}", "difficulty")
        async with self._lock:
            if self.running:
                raise DrillError(409, f"drill {self.drill.id} is already running; reveal it "
                                      "first (`gameday drill reveal`)")
            if self.scenario_running():
                raise DrillError(409, "a scenario run is going; wait for it to finish")
            if not self.cluster.all_healthy():
                raise DrillError(409, "the stack is not healthy; a drill needs a steady state "
                                      "to start from (`gameday status`)")
            seed = seed if seed is not None else secrets.randbelow(2**31)
            rng = random.Random(seed)
            try:
                incident = pick(difficulty, self._topology(), rng)
            except ValueError as exc:  # e.g. scaled down below what the incident needs
                raise DrillError(409, f"this stack cannot host that {difficulty} incident: "
                                      f"{exc}; scale up or try another seed") from None
            before = await probes.evaluate(incident.steady_state, self.prometheus.values)
            if not probes.all_hold(before):
                # Without naming the probes: they would tell the learner where to look.
                raise DrillError(409, "the stack's steady state does not hold yet (a fresh "
                                      "stack needs ~20 s of traffic); try again shortly")
            now = time.time()
            drill = Drill(id=f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}",
                          difficulty=difficulty, seed=seed, started_at=now,
                          incident=incident.name, title=incident.title, cause=incident.cause,
                          components=incident.components)
            self.drill, self.incident, self.watch = drill, incident, SteadyWatch()
            self.paging = PageWatch()
            drill.note(0, "start", f"{difficulty} drill started")
            await self._set_proxy_quiet(True)
            await self._inject(drill, incident, rng)
            self._task = asyncio.create_task(self._loop(), name=f"drill {drill.id}")
            return self.view()

    def _topology(self) -> Topology:
        enabled = set(self.runtime.enabled_names())
        plan = self.plan
        return Topology(webs=[n for n in plan.names("web") if n in enabled],
                        stores=plan.names("store"), leader=self.cluster.leader())

    async def _inject(self, drill: Drill, incident: Incident, rng: random.Random) -> None:
        faults = self.faults
        self._seen_before = set(faults.records)
        self._injecting_since = time.time()
        try:
            for request in incident.faults:
                injected = InjectedFault(id=None, type=request.type, target=request.target,
                                         params=request.params)
                drill.faults.append(injected)
                try:
                    record = await faults.inject(request, rng, actor="drill")
                except Exception as exc:  # undo what was set up, then say why, never a 500
                    message = exc.message if isinstance(exc, FaultError) else (
                        f"{type(exc).__name__}: {exc}")
                    injected.error = message
                    drill.state = "finished"
                    await self._revert(drill)
                    await self._set_proxy_quiet(False)
                    raise DrillError(502, f"the drill could not set up its incident: "
                                          f"{message}") from None
                injected.id, injected.targets = record.id, record.targets
                injected.applied_at = round(record.created_at - drill.started_at, 3)
                drill.note(injected.applied_at, "inject",
                           f"{record.type} on {', '.join(record.targets)}")
        finally:
            self._injecting_since = None

    async def hint(self) -> dict[str, Any]:
        drill, incident = self._require_running()
        index = len(drill.hints_given)
        if index >= hints.LEVELS:
            raise DrillError(409, f"no hints left (all {hints.LEVELS} given)")
        text = await self._evidence_hint(index, incident)
        drill.hints_given.append(text)
        cost = scoring.hint_cost(index)
        drill.note(self._elapsed(), "hint", f"hint {index + 1} (-{cost} points): {text}")
        return {"hint": text, "number": index + 1, "cost": cost,
                "hints_left": hints.LEVELS - index - 1}

    async def _evidence_hint(self, index: int, incident: Incident) -> str:
        """From the signals now; the incident file's hint when Prometheus cannot say."""
        enabled = set(self.runtime.enabled_names())
        roles = {s.name: s.role for s in self.runtime.statuses() if s.name in enabled}
        tier = roles.get(incident.components[0], "web")
        try:
            return await hints.evidence_hint(
                index, self.prometheus.vector, pages=self.pages(),
                started_at=self.drill.started_at, now=time.time(), tier=tier,
                culprits=[c for c in incident.components if roles.get(c) == tier],
                members=[n for n, r in roles.items() if r == tier])
        except QueryFailed as exc:
            log.warning("hint %d from the incident file: %s", index + 1, exc)
            return incident.hints[min(index, len(incident.hints) - 1)]

    def answer(self, component: str, cause: str) -> dict[str, Any]:
        drill, incident = self._require_running()
        if cause not in CAUSES:
            raise DrillError(422, f"cause must be one of {', '.join(CAUSES)}, not {cause!r}",
                             "cause")
        if component not in self.plan.names():
            raise DrillError(422, f"component must be one of {', '.join(self._components())}, "
                                  f"not {component!r}", "component")
        if scoring.diagnosis_closed(drill):
            raise DrillError(409, "the diagnosis is closed (answered right, or no tries left)")
        component_ok = component in incident.components
        cause_ok = cause == incident.cause
        given = Answer(t=round(self._elapsed(), 3), component=component, cause=cause,
                       correct=component_ok and cause_ok, component_correct=component_ok,
                       cause_correct=cause_ok)
        drill.answers.append(given)
        if given.correct:
            drill.diagnosed_after = given.t
        drill.note(given.t, "answer", f"{component} / {cause}: "
                                      f"{'right' if given.correct else 'wrong'}")
        # Only right or wrong, never which half: that would turn the diagnosis into guessing.
        return {"correct": given.correct, "tries_left": scoring.tries_left(drill),
                "closed": scoring.diagnosis_closed(drill)}

    async def reveal(self) -> dict[str, Any]:
        if self.drill is None:
            raise DrillError(404, "no drill has been started (`gameday drill start`)")
        if self.running:
            await self._finish("revealed by request")
        elif self.drill.state == "revealing" and self._task is not None:
            await asyncio.wait({self._task}, timeout=120)
        return self.view()

    def choices(self) -> dict[str, Any]:
        return {"causes": CAUSES, "components": self._components(),
                "difficulties": list(DIFFICULTIES)}

    def _components(self) -> list[str]:
        """What an answer names: the stack as it is now, not the standby web slots."""
        return self.runtime.enabled_names()

    def history(self) -> list[dict]:
        return history.read(self.dir / "history.json")

    def view(self) -> dict[str, Any]:
        """The drill as the learner may see it: everything once it ended, else no faults."""
        drill = self.drill
        if drill is None:
            raise DrillError(404, "no drill has been started (`gameday drill start`)")
        if drill.state == "finished":
            return drill.model_dump(mode="json")
        holding = (self._elapsed() - self.watch.holding_since
                   if self.watch.holding_since is not None else None)
        return {
            "id": drill.id, "difficulty": drill.difficulty, "state": drill.state,
            "started_at": drill.started_at, "elapsed": round(self._elapsed(), 1),
            "hints_given": drill.hints_given,
            "hints_left": hints.LEVELS - len(drill.hints_given),
            "answers": [{"t": a.t, "component": a.component, "cause": a.cause,
                         "correct": a.correct} for a in drill.answers],
            "tries_left": scoring.tries_left(drill),
            "remediation": drill.remediation,
            "steady_state": {"holds": drill.steady_state_holds,
                             "holding_for": None if holding is None else round(holding, 1),
                             "needed": HOLD_SECONDS},
            "diagnosed_after": drill.diagnosed_after, "mitigated_after": drill.mitigated_after,
            "paged_after": drill.paged_after, "acknowledged_after": drill.acknowledged_after,
            "times": drill.times,
        }

    # -- the background watch ----------------------------------------------------------------

    def _require_running(self) -> tuple[Drill, Incident]:
        if not self.running:
            raise DrillError(409, "no drill is running (`gameday drill start`)")
        return self.drill, self.incident

    def _elapsed(self) -> float:
        return time.time() - self.drill.started_at

    async def _loop(self) -> None:
        drill = self.drill
        while self.running and self.drill is drill:
            try:
                done = await self._check(drill)
            except Exception:  # one failed check must not end the drill's measurements
                log.exception("drill check failed")
                done = None
            if done:
                await self._finish(done)
                return
            await asyncio.sleep(self.poll_seconds)

    async def _check(self, drill: Drill) -> str | None:
        """One round: record remediation moves, judge the steady state; a reason to end the
        drill, or None."""
        await self._record_moves(drill)
        self.paging.record(drill, self.pages())
        t = self._elapsed()
        results = await probes.evaluate(self.incident.steady_state, self.prometheus.values)
        holds = probes.all_hold(results)
        drill.steady_state_holds = holds
        # Missing data (a scrape gap) is no evidence of a breach.
        gap = not self.watch.armed and any(r.value is None for r in results)
        if not gap and not holds and self.watch.first_breach is None:
            drill.first_breach_after = round(t, 3)
            drill.note(t, "breach", "the steady state broke: "
                       + "; ".join(r.describe() for r in results if not r.ok))
        if self._never_showed(drill) and t >= self.void_after:
            return VOID_REASON
        if gap:
            return None
        if self.watch.observe(t, holds):
            drill.mitigated_after = round(self.watch.mitigated_at, 3)
            drill.note(self.watch.mitigated_at, "mitigated",
                       f"the steady state holds again (confirmed after {HOLD_SECONDS:.0f}s)")
        if drill.mitigated_after is not None and scoring.diagnosis_closed(drill):
            return "diagnosed and mitigated"
        if t >= TIME_LIMIT_SECONDS:
            return "time is up"
        return None

    @staticmethod
    def _never_showed(drill: Drill) -> bool:
        return drill.first_breach_after is None and drill.paged_after is None

    async def _record_moves(self, drill: Drill) -> None:
        actions = self.moves()
        seen = len(drill.remediation)
        moves = [a for a in actions if a["ts"] >= drill.started_at]
        for move in moves[seen:]:
            t = round(move["ts"] - drill.started_at, 3)
            drill.remediation.append({"t": t, **move})
            details = ", ".join(f"{k}={v}" for k, v in move.items() if k not in ("ts", "action"))
            drill.note(t, "remediation", f"{move['action']} {details}".strip())
            target = move.get("component") or move.get("to")
            if (move["action"], target) in self.incident.fixed_by:
                await self._revert(drill)

    async def _revert(self, drill: Drill) -> None:
        manager = self.faults
        for fault in drill.faults:
            record = manager.records.get(fault.id) if fault.id else None
            if record is None:
                continue
            if record.state in ("active", "revert_failed"):
                await manager.revert(record.id)
                drill.note(self._elapsed(), "revert", f"{record.type} on "
                                                      f"{', '.join(record.targets)} reverted")
            if record.ended_at is not None and fault.ended_at is None:
                fault.ended_at = round(record.ended_at - drill.started_at, 3)

    async def stop(self, reason: str) -> None:
        """End a running drill now (the stack is stopping): revert, score, debrief."""
        if self.running:
            await self._finish(reason)

    def note_abort(self) -> None:
        """An abort reverts the drill's faults too: the incident is over, and it shows."""
        if self.running:
            self.drill.note(self._elapsed(), "abort", "every fault reverted by an abort")

    async def _set_proxy_quiet(self, quiet: bool) -> None:
        ctx, runtime = self.faults.ctx, self.runtime
        await hiding.set_quiet(ctx.proxy, ctx.apps, [s.name for s in runtime.statuses()
                                                     if s.role == "web"], quiet)

    async def _finish(self, reason: str) -> None:
        async with self._lock:
            drill = self.drill
            if drill is None or drill.state != "running":
                return
            drill.state = "revealing"
            try:
                await self._record_moves(drill)
                self.paging.record(drill, self.pages())
                await self._revert(drill)
            except Exception:
                log.exception("reverting drill %s failed", drill.id)
            await self._set_proxy_quiet(False)
            drill.ended_at = time.time()
            drill.note(drill.ended_at - drill.started_at, "reveal", reason)
            elapsed = drill.ended_at - drill.started_at
            if self._never_showed(drill) and elapsed >= self.void_after:
                drill.score, drill.outcome = scoring.void(elapsed), "void"
            else:
                drill.score = scoring.score(
                    drill.answers, len(drill.hints_given),
                    scoring.harmful_moves(drill.remediation, self.incident.components))
                drill.outcome = scoring.outcome(any(a.correct for a in drill.answers),
                                                drill.mitigated_after is not None)
            try:
                await debrief.write(drill, self.incident, self.prometheus, self.dir / drill.id)
            except Exception:
                log.exception("the debrief of drill %s failed", drill.id)
            drill.state = "finished"
            history.append(self.dir / "history.json", drill)
            if self._task is not None and self._task is not asyncio.current_task():
                self._task.cancel()
