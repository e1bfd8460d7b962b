"""Events derived from the controller's parts: a scenario run's steps."""

from __future__ import annotations

from types import SimpleNamespace

from chaos.events import derive
from chaos.scenarios.record import RunRecord


def run(source: str, started_at: float = 1000.0) -> RunRecord:
    record = RunRecord(id="r-1", scenario="leader-loss", title="Leader loss", source=source,
                       started_at=started_at, planned_seconds=60, recover_within=30)
    record.note(0.0, "check", "steady state holds")
    record.note(5.0, "inject", "kill on store-1")
    record.note(40.0, "verdict", "passed")
    return record


def controller_with(*runs: RunRecord):
    return SimpleNamespace(runner=SimpleNamespace(runs=lambda: list(runs)))


def test_every_step_of_a_run_is_a_scenario_step_at_its_wall_clock_time():
    events = derive.scenario_steps(controller_with(run("cli")), since=0)
    assert [(e.ts, e.kind, e.details["step"]) for e in events] == [
        (1000.0, "scenario.step", "check"), (1005.0, "scenario.step", "inject"),
        (1040.0, "scenario.step", "verdict")]
    assert {e.actor for e in events} == {"user"} and {e.ref for e in events} == {"r-1"}
    assert events[1].summary == "leader-loss: inject: kill on store-1"
    assert len({e.key for e in events}) == 3  # each appended once


def test_scheduled_runs_are_the_schedules_and_since_bounds_them():
    events = derive.scenario_steps(controller_with(run("schedule:nightly")), since=1004)
    assert [e.details["step"] for e in events] == ["inject", "verdict"]
    assert {e.actor for e in events} == {"schedule"}
