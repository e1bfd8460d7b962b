"""The monkey service over a fake clock and the fake runtime's real fault manager."""

from __future__ import annotations

import random
from datetime import UTC

import pytest

from chaos.faults.manager import FaultManager, FaultRequest
from chaos.journal import Journal
from chaos.schedules.monkey import Monkey
from chaos.schedules.monkey_config import MonkeyConfig
from chaos.targets import Member
from chaos.testing.fakes import STACK, fake_context
from tests.fakeclock import FakeClock

T0 = 1_709_553_600.0  # Monday 2024-03-04 12:00 UTC


@pytest.fixture
def clock():
    return FakeClock(T0)


@pytest.fixture
def faults(tmp_path, clock):
    async def members():
        return [Member(n, r, leader=(n == "store-1")) for n, r in STACK.items()]

    manager = FaultManager(
        fake_context(), Journal(tmp_path / "j.jsonl"), members, random.Random(0), clock=clock
    )
    yield manager
    for task in manager._timers.values():
        task.cancel()


def make_monkey(faults, clock) -> Monkey:
    return Monkey(faults, faults.members, clock=clock, tz=UTC)


def config(**overrides) -> MonkeyConfig:
    return MonkeyConfig(
        **{
            "every": "10s",
            "faults": "pause",
            "targets": "web:all",
            "duration": "60s",
            "seed": 11,
            **overrides,
        }
    )


async def advance(monkey, clock, seconds: float, step: float = 1.0) -> list:
    decisions = []
    end = clock.now + seconds
    while clock.now < end:
        clock.now += step
        if (decision := await monkey.strike(clock.now)) is not None:
            decisions.append(decision)
    return decisions


async def test_strikes_on_schedule_and_respects_max_concurrent(faults, clock):
    monkey = make_monkey(faults, clock)
    monkey.start(config(max_concurrent=2))
    assert monkey.next_fire == T0 + 10
    decisions = await advance(monkey, clock, 45)
    assert [d.action for d in decisions] == ["fired", "fired", "skipped", "skipped"]
    assert decisions[2].reason == "max-concurrent"
    assert len(faults.active()) == 2
    assert {d.fault_id for d in decisions[:2]} == set(monkey.active_ids())
    assert {faults.records[i].actor for i in monkey.active_ids()} == {"schedule"}


async def test_a_fault_that_ends_frees_a_slot(faults, clock):
    monkey = make_monkey(faults, clock)
    monkey.start(config())
    first = (await advance(monkey, clock, 10))[0]
    assert first.action == "fired"
    await faults.revert(first.fault_id)
    assert monkey.active_ids() == []
    assert (await advance(monkey, clock, 10))[0].action == "fired"


async def test_the_last_healthy_web_instance_is_spared(faults, clock):
    monkey = make_monkey(faults, clock)
    monkey.start(config(max_concurrent=3))
    decisions = await advance(monkey, clock, 30)
    assert [(d.action, d.reason) for d in decisions] == [
        ("fired", None),
        ("fired", None),
        ("skipped", "last-healthy"),
    ]


async def test_stop_reverts_the_monkeys_faults_only(faults, clock):
    manual = await faults.inject(FaultRequest(type="pause", target="store-2"))
    monkey = make_monkey(faults, clock)
    monkey.start(config(max_concurrent=3, allow_last_healthy=True))
    await advance(monkey, clock, 30)
    assert len(monkey.active_ids()) == 3
    reverted = await monkey.stop()
    assert len(reverted) == 3
    assert [r.id for r in faults.active()] == [manual.id]
    assert not monkey.running and await monkey.strike(clock.now + 100) is None


async def test_dry_run_injects_nothing(faults, clock):
    monkey = make_monkey(faults, clock)
    monkey.start(config(dry_run=True))
    decisions = await advance(monkey, clock, 30)
    assert {d.reason for d in decisions} == {"dry-run"} and len(decisions) == 3
    assert faults.active() == []


async def test_not_ready_stack_is_a_logged_skip(faults, clock):
    monkey = Monkey(faults, faults.members, ready=lambda: False, clock=clock, tz=UTC)
    monkey.start(config())
    assert (await advance(monkey, clock, 10))[0].reason == "stack-not-ready"


async def test_outside_the_window_every_strike_is_a_logged_skip(faults, clock):
    monkey = make_monkey(faults, clock)
    monkey.start(config(between="22:00-06:00"))
    decisions = await advance(monkey, clock, 30)
    assert [d.reason for d in decisions] == ["outside-window"] * 3
    snapshot = monkey.snapshot()
    assert (
        snapshot["state"]["skipped"] == 3 and snapshot["decisions"][0]["reason"] == "outside-window"
    )


async def test_jittered_strike_times_stay_within_bounds(faults, clock):
    monkey = make_monkey(faults, clock)
    monkey.start(config(every="10s", jitter="50%", dry_run=True))
    times = [d.at for d in await advance(monkey, clock, 300, step=0.5)]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert gaps and all(4.5 <= g <= 15.5 for g in gaps)  # 5-15 s, plus the 0.5 s clock step


async def test_same_seed_same_times_faults_and_targets(tmp_path):
    async def sequence(seed: int) -> list[tuple]:
        clock = FakeClock(T0)

        async def members():
            return [Member(n, r, leader=(n == "store-1")) for n, r in STACK.items()]

        manager = FaultManager(
            fake_context(),
            Journal(tmp_path / f"{seed}-{random.random()}"),
            members,
            random.Random(0),
            clock=clock,
        )
        monkey = Monkey(manager, members, clock=clock, tz=UTC)
        monkey.start(
            config(
                seed=seed,
                faults="pause,kill,stop",
                targets="web:all,store:all",
                jitter="50%",
                max_concurrent=3,
                duration="15s",
            )
        )
        decisions = await advance(monkey, clock, 200, step=0.5)
        # Faults end at their deadline on the fake clock, as they would in real time.
        for record in list(manager.active()):
            await manager.revert(record.id)
        for task in manager._timers.values():
            task.cancel()
        return [(d.at, d.action, d.reason, d.fault, d.target) for d in decisions]

    assert await sequence(3) == await sequence(3)
    assert await sequence(3) != await sequence(4)
