"""The scenario runner inside the controller: one run at a time, as an asyncio task, so a run
outlives the CLI that started it. Schedules and monkey mode start runs through `start()` too.
"""

from __future__ import annotations

import asyncio
import random
import secrets
import time
from pathlib import Path

from chaos.refusal import Refusal
from chaos.scenarios import library, probes
from chaos.scenarios.clock import Clock
from chaos.scenarios.model import Scenario
from chaos.scenarios.probes import QueryFailed
from chaos.scenarios.prometheus import Prometheus
from chaos.scenarios.record import RunRecord
from chaos.scenarios.report import Reporter
from chaos.scenarios.run import TICK_SECONDS, Faults, Run, Signals

HISTORY_SIZE = 100
STOP_WAIT_SECONDS = 30.0


class RunError(Refusal):
    """A run the runner refuses to start (or stop)."""


class ScenarioRunner:
    def __init__(self, faults: Faults, signals: Signals, runs_dir: Path,
                 reporter: Reporter | None = None, clock: Clock | None = None,
                 tick_seconds: float = TICK_SECONDS) -> None:
        self.faults = faults
        self.signals = signals
        self.runs_dir = Path(runs_dir)
        self.reporter = reporter
        self.clock = clock or Clock()
        self.tick_seconds = tick_seconds
        self._runs: dict[str, RunRecord] = {}
        self._active: Run | None = None
        self._task: asyncio.Task | None = None
        self._starting = False

    # -- queries ---------------------------------------------------------------------------

    @property
    def current(self) -> RunRecord | None:
        """The run still going (including its report), or None."""
        if self._active is not None and self._active.record.running:
            return self._active.record
        return None

    def runs(self) -> list[RunRecord]:
        """Every run this controller has done, newest first."""
        return sorted(self._runs.values(), key=lambda r: r.started_at, reverse=True)

    def get(self, run_id: str) -> RunRecord | None:
        return self._runs.get(run_id)

    # -- commands --------------------------------------------------------------------------

    async def start(self, ref: str | Scenario, *, force: bool = False,
                    report_dir: Path | None = None, source: str = "api") -> RunRecord:
        """Check the steady state, then start the run in the background and return its record.

        `ref` is a built-in name, a YAML path or an already validated Scenario. Raises
        ScenarioError for an unknown or invalid scenario, RunError(409) when a run is going
        or (without `force`) when the steady state does not hold now.
        """
        if self.current is not None or self._starting:
            busy = self.current
            raise RunError(409, "a scenario run is already going"
                                + (f": {busy.id} ({busy.scenario})" if busy else "")
                                + "; wait for it or stop it (`gameday scenario stop`)")
        self._starting = True  # the steady-state check awaits; no second start may slip in
        try:
            scenario = ref if isinstance(ref, Scenario) else library.load(ref)
            before = await probes.evaluate(scenario.steady_state, self.signals.values)
            if not probes.all_hold(before) and not force:
                broken = [r for r in before if not r.ok]
                raise RunError(
                    409, "the steady state does not hold, so the experiment would prove "
                         "nothing; fix the system or use force: "
                         + "; ".join(r.describe() for r in broken),
                    [{"field": f"steady_state.{r.name}", "message": r.describe()} for r in broken],
                )
            try:
                baseline = await self.signals.firing_alerts()
            except QueryFailed:
                baseline = set()
            return self._launch(scenario, before, baseline, force, report_dir, source)
        finally:
            self._starting = False

    def _launch(self, scenario: Scenario, before: list[probes.ProbeResult], baseline: set[str],
                force: bool, report_dir: Path | None, source: str) -> RunRecord:
        # Without a seed the run draws one and records it, so any run can be replayed exactly.
        seed = scenario.seed if scenario.seed is not None else secrets.randbelow(2**31)
        name = scenario.name or "inline"
        run_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{name}-{secrets.token_hex(2)}"
        record = RunRecord(
            id=run_id, scenario=name, title=scenario.title, source=source, seed=seed,
            forced=force, started_at=self.clock.wall(),
            planned_seconds=scenario.planned_seconds, recover_within=scenario.recover_within,
            steady_state_before=before, last_probes=before,
            report_dir=str(Path(report_dir) if report_dir else self.runs_dir / run_id),
        )
        run = Run(scenario, record, self.faults, self.signals, self.clock, random.Random(seed),
                  self.clock.monotonic(), baseline, self._report, self.tick_seconds)
        healthy = probes.all_hold(before)
        run.note("check", "steady state holds" if healthy else
                 "steady state does NOT hold; started anyway (force)")
        self._runs[run_id] = record
        for old in self.runs()[HISTORY_SIZE:]:
            self._runs.pop(old.id, None)
        self._active = run
        self._task = asyncio.create_task(run.execute(), name=f"scenario {run_id}")
        return record

    async def _report(self, run: Run) -> None:
        if self.reporter is not None:
            await self.reporter.write(run.scenario, run.record)

    async def stop(self, reason: str = "stopped by request") -> RunRecord | None:
        """Stop the current run (it heals and writes its report); None if nothing runs."""
        run, task = self._active, self._task
        if run is None or task is None or task.done():
            return None
        run.request_stop(reason)
        await asyncio.wait({task}, timeout=STOP_WAIT_SECONDS)
        return run.record

    async def wait(self, timeout: float | None = None) -> RunRecord | None:
        """Wait for the current run to finish (tests, schedules)."""
        if self._task is None:
            return None
        await asyncio.wait({self._task}, timeout=timeout)
        return self._active.record if self._active else None


def create_runner(faults: Faults, prometheus: Prometheus, loadgen_url: str | None,
                  runs_dir: Path, token: str | None = None) -> ScenarioRunner:
    """The runner wired to a stack's Prometheus and (when it runs) its load generator
    (`token`: the stack's admin token, for the loadgen's sweep)."""
    return ScenarioRunner(faults, prometheus, runs_dir,
                          reporter=Reporter(prometheus, loadgen_url, token=token))
