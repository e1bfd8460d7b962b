"""The runner end to end over the fake runtime, a fake Prometheus and the real clock (short
scenarios): refusal, schedule accuracy, verdicts, abort, stop and the always-heal rule."""

from __future__ import annotations

import asyncio
import random

import pytest

from chaos.faults.manager import FaultManager
from chaos.journal import Journal
from chaos.scenarios.loader import parse
from chaos.scenarios.runner import RunError, ScenarioRunner
from chaos.targets import Member
from chaos.testing.fakes import STACK, fake_context

SCENARIO = """\
title: short
description: a short test scenario
difficulty: easy
seed: 4
steady_state:
  - name: errors
    query: errors
    below: 0.01
    must_hold_during_faults: {strict}
steps:
  - {{at: 0.3s, type: pause, target: web:random, duration: 0.6s}}
  - {{at: 0.5s, type: kill, target: store:leader, duration: 0.4s}}
abort_when:
  - {{name: meltdown, query: meltdown, above: 0.5, for: 0.2s}}
recover_within: 2s
expected_signals: [a blip]
"""


class FakeSignals:
    """Answers by query text; `script` maps a query to a function of the run's age."""

    def __init__(self) -> None:
        self.script = {"errors": lambda age: 0.0, "meltdown": lambda age: 0.0}
        self.started = asyncio.get_running_loop().time()
        self.alerts: set[str] = set()

    async def values(self, expr: str) -> list[float]:
        return [self.script[expr](asyncio.get_running_loop().time() - self.started)]

    async def firing_alerts(self) -> set[str]:
        return set(self.alerts)


class RecordingReporter:
    def __init__(self) -> None:
        self.written = []

    async def write(self, scenario, record) -> None:
        self.written.append(record.id)


@pytest.fixture
async def setup(tmp_path):
    ctx = fake_context()

    async def members():
        return [Member(n, r, leader=(n == "store-2")) for n, r in STACK.items()]

    faults = FaultManager(ctx, Journal(tmp_path / "j.jsonl"), members, random.Random(1))
    signals = FakeSignals()
    reporter = RecordingReporter()
    # Ticks every 0.1 s instead of 1 s, so the short test scenarios get several.
    runner = ScenarioRunner(faults, signals, tmp_path / "runs", reporter=reporter,
                            tick_seconds=0.1)
    return runner, faults, signals, reporter


def scenario(strict: bool = False):
    return parse(SCENARIO.format(strict=str(strict).lower()), name="short")


async def test_a_healthy_run_passes_on_schedule_and_heals(setup):
    runner, faults, signals, reporter = setup
    signals.script["errors"] = lambda age: 0.5 if 0.4 < age < 1.2 else 0.0
    record = await runner.start(scenario(), source="test")
    with pytest.raises(RunError, match="already going"):
        await runner.start(scenario())
    await runner.wait(timeout=10)
    assert record.verdict == "passed", record.reason
    assert record.state == "finished" and reporter.written == [record.id]
    assert record.faults[0].targets[0].startswith("web-")
    assert record.faults[1].targets == ["store-2"]  # store:leader, resolved at apply time
    for fault in record.faults:
        assert abs(fault.started_at - fault.planned_at) < 0.25  # on time
        assert fault.ended_at is not None
    assert record.faults[0].time_to_detect is not None
    assert record.recovered_after is not None
    assert faults.active() == []
    assert [e.kind for e in record.events][-1] == "verdict"
    assert runner.current is None and runner.runs() == [record]


async def test_the_same_seed_picks_the_same_targets(setup):
    runner, *_ = setup
    first = await runner.start(scenario())
    await runner.wait(timeout=10)
    second = await runner.start(scenario())
    await runner.wait(timeout=10)
    assert [f.targets for f in first.faults] == [f.targets for f in second.faults]
    assert first.seed == second.seed == 4


async def test_a_probe_that_must_hold_during_faults_fails_the_run_with_when(setup):
    runner, _, signals, _ = setup
    signals.script["errors"] = lambda age: 0.5 if 0.3 < age < 1.0 else 0.0
    record = await runner.start(scenario(strict=True))
    await runner.wait(timeout=10)
    assert record.verdict == "failed"
    assert record.breaches[0].probe == "errors" and record.breaches[0].phase == "during-faults"
    assert "errors broke at" in record.reason


async def test_no_recovery_within_recover_within_fails(setup):
    runner, _, signals, _ = setup
    signals.script["errors"] = lambda age: 0.0 if age < 0.2 else 0.5
    record = await runner.start(scenario())
    await runner.wait(timeout=10)
    assert record.verdict == "failed" and record.breaches[0].phase == "recovery"


async def test_an_abort_condition_aborts_and_reverts_everything(setup):
    runner, faults, signals, _ = setup
    signals.script["meltdown"] = lambda age: 0.9 if age > 0.2 else 0.0
    record = await runner.start(scenario())
    await runner.wait(timeout=10)
    assert record.verdict == "aborted" and "meltdown" in record.reason
    assert faults.active() == []
    assert any(e.kind == "abort" for e in record.events)


async def test_an_unhealthy_steady_state_refuses_unless_forced(setup):
    runner, _, signals, _ = setup
    signals.script["errors"] = lambda age: 0.2
    with pytest.raises(RunError, match="steady state does not hold") as caught:
        await runner.start(scenario())
    assert caught.value.status == 409 and caught.value.errors[0]["field"] == "steady_state.errors"
    assert runner.current is None
    record = await runner.start(scenario(), force=True)
    assert record.forced
    await runner.stop()


async def test_stop_aborts_the_run_and_heals(setup):
    runner, faults, _, reporter = setup
    record = await runner.start(scenario())
    await asyncio.sleep(0.6)
    assert faults.active()
    stopped = await runner.stop()
    assert stopped is record and record.verdict == "aborted" and record.state == "finished"
    assert faults.active() == [] and reporter.written == [record.id]
    assert await runner.stop() is None


@pytest.mark.parametrize(("source", "actor"), [("api", "user"), ("schedule:s-1", "schedule")])
async def test_a_runs_faults_are_the_actor_of_whoever_started_it(setup, source, actor):
    runner, faults, _, _ = setup
    await runner.start(scenario(), source=source)
    await runner.wait(timeout=10)
    assert {r.actor for r in faults.records.values()} == {actor}
