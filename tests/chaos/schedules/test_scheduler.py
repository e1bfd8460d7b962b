"""The schedule service over a fake clock and a fake runner: firing, results, persistence."""

from __future__ import annotations

import json
import random
from datetime import UTC
from types import SimpleNamespace

import pytest

from chaos.schedules.schedule import ScheduleRequest
from chaos.schedules.scheduler import ScheduleError, ScheduleService
from tests.fakeclock import FakeClock

T0 = 1_709_553_600.0  # Monday 2024-03-04 12:00 UTC


class FakeRunner:
    """The scenario runner's interface: start() returns a run, or raises when one is going."""

    def __init__(self) -> None:
        self.started: list[tuple[str, bool, str]] = []
        self.busy = False

    async def start(self, ref: str, *, force: bool = False, source: str = "api"):
        if self.busy:
            raise RuntimeError("a run is already going (run r-1); use force to replace it")
        self.started.append((ref, force, source))
        return SimpleNamespace(id=f"r-{len(self.started)}")


@pytest.fixture
def clock():
    return FakeClock(T0)


@pytest.fixture
def runner():
    return FakeRunner()


def service(tmp_path, clock, runner, names=("steady-state", "web-failover")):
    return ScheduleService(
        tmp_path / "schedules.json",
        runner=runner,
        scenario_names=lambda: list(names),
        clock=clock,
        rng=random.Random(1),
        tz=UTC,
    )


async def test_interval_schedule_fires_when_due_and_records_the_run(tmp_path, clock, runner):
    schedules = service(tmp_path, clock, runner)
    made = schedules.add(ScheduleRequest(scenario="web-failover", every="10m"))
    assert made.next_fire == T0 + 600
    assert await schedules.fire_due(T0 + 599) == []
    clock.now = T0 + 600
    [fired] = await schedules.fire_due(clock.now)
    assert runner.started == [("web-failover", False, f"schedule:{made.id}")]
    assert fired.last_result.outcome == "started" and fired.last_result.run_id == "r-1"
    assert fired.next_fire == T0 + 1200 and fired.fired == 1


async def test_cron_schedule_uses_croniter_times(tmp_path, clock, runner):
    schedules = service(tmp_path, clock, runner)
    made = schedules.add(ScheduleRequest(scenario="steady-state", cron="*/15 * * * *"))
    assert made.next_fire == T0 + 900


async def test_a_busy_runner_is_a_refused_result_and_the_schedule_goes_on(tmp_path, clock, runner):
    schedules = service(tmp_path, clock, runner)
    made = schedules.add(ScheduleRequest(scenario="web-failover", every="1m"))
    runner.busy = True
    [fired] = await schedules.fire_due(T0 + 60)
    assert fired.last_result.outcome == "refused"
    assert "already going" in fired.last_result.detail
    assert fired.next_fire == T0 + 120 and made.id in schedules.schedules


async def test_schedules_survive_a_restart_and_missed_fires_are_not_replayed(
    tmp_path, clock, runner
):
    first = service(tmp_path, clock, runner)
    kept = first.add(ScheduleRequest(scenario="web-failover", every="10m", jitter="10%"))
    later = first.add(ScheduleRequest(scenario="steady-state", cron="0 3 * * *"))
    saved = json.loads((tmp_path / "schedules.json").read_text())
    assert [s["id"] for s in saved["schedules"]] == [kept.id, later.id]

    clock.now = T0 + 3600  # the controller was down through kept's fire time
    again = service(tmp_path, clock, runner)
    assert set(again.schedules) == {kept.id, later.id}
    missed = again.schedules[kept.id]
    assert missed.last_result.outcome == "missed" and missed.next_fire > clock.now
    assert missed.jitter == "10%"
    assert again.schedules[later.id].last_result is None  # 03:00 tomorrow is still ahead
    assert await again.fire_due(clock.now) == [] and runner.started == []


def test_remove(tmp_path, clock, runner):
    schedules = service(tmp_path, clock, runner)
    made = schedules.add(ScheduleRequest(scenario="web-failover", every="1m"))
    assert schedules.remove(made.id).id == made.id
    assert service(tmp_path, clock, runner).schedules == {}
    with pytest.raises(ScheduleError) as caught:
        schedules.remove(made.id)
    assert caught.value.status == 404


def test_unknown_scenarios_and_missing_files_are_refused_naming_the_field(
    tmp_path, clock, runner
):
    schedules = service(tmp_path, clock, runner)
    with pytest.raises(ScheduleError, match="web-failover") as caught:
        schedules.add(ScheduleRequest(scenario="nope", every="1m"))
    assert (caught.value.status, caught.value.field) == (422, "scenario")
    with pytest.raises(ScheduleError, match="does not exist"):
        schedules.add(ScheduleRequest(scenario=str(tmp_path / "x.yaml"), every="1m"))
    scenario = tmp_path / "mine.yaml"
    scenario.write_text("name: mine\n")
    assert schedules.add(ScheduleRequest(scenario=str(scenario), every="1m")).scenario


def test_a_broken_file_is_set_aside_not_fatal(tmp_path, clock, runner):
    (tmp_path / "schedules.json").write_text("{not json")
    assert service(tmp_path, clock, runner).schedules == {}
    assert (tmp_path / "schedules.json.broken").exists()
