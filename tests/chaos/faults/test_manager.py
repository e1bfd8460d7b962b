"""The fault manager over a fake runtime and fake controls: no processes needed."""

from __future__ import annotations

import asyncio
import random

import pytest

from chaos.faults.manager import FaultError, FaultManager, FaultRequest
from chaos.journal import Journal
from chaos.runtime.base import ProcessState
from chaos.runtime.fake import FakeRuntime
from chaos.targets import Member
from chaos.testing.fakes import STACK, fake_context


def make_manager(tmp_path, runtime=None, seed=1):
    ctx = fake_context(runtime)

    async def members():
        return [Member(n, r, leader=(n == "store-2")) for n, r in STACK.items()]

    return FaultManager(ctx, Journal(tmp_path / "journal.jsonl"), members, random.Random(seed)), ctx


async def test_pause_resolves_a_selector_and_reverts_at_its_deadline(tmp_path):
    manager, ctx = make_manager(tmp_path)
    record = await manager.inject(FaultRequest(type="pause", target="web:random", duration=0.2))
    assert record.state == "active" and len(record.targets) == 1
    target = record.targets[0]
    assert ctx.runtime.status(target).state is ProcessState.paused
    await asyncio.sleep(0.4)
    assert record.state == "reverted"
    assert ctx.runtime.status(target).state is ProcessState.running
    assert manager.journal.pending() == []


async def test_store_leader_selector_is_resolved_at_apply_time(tmp_path):
    manager, _ = make_manager(tmp_path)
    record = await manager.inject(FaultRequest(type="kill", target="store:leader", duration=1))
    assert record.targets == ["store-2"]
    await manager.abort()


async def test_partition_of_the_leader_cuts_every_link_in_and_out(tmp_path):
    manager, ctx = make_manager(tmp_path)
    record = await manager.inject(FaultRequest(type="partition", target="store:leader"))
    fault = ctx.proxy.faults[record.id]
    assert fault["kind"] == "cut"
    assert set(fault["links"]) == {
        "store-2->store-1",
        "store-2->store-3",
        "store-1->store-2",
        "store-3->store-2",
        "web-1->store-2",
        "web-2->store-2",
        "web-3->store-2",
    }
    await manager.revert(record.id)
    assert ctx.proxy.faults == {}


async def test_one_way_partition_swallows_only_what_the_target_sends(tmp_path):
    manager, ctx = make_manager(tmp_path)
    record = await manager.inject(
        FaultRequest(type="partition", target="store-1", params={"to": "store", "one_way": True})
    )
    (fault,) = ctx.proxy.faults.values()  # one fault, one id: its revert needs only that
    assert fault["id"] == record.id and fault["kind"] == "cut"
    assert {(x["link"], x["direction"]) for x in fault["links"]} == {
        ("store-1->store-2", "upstream"),
        ("store-1->store-3", "upstream"),
        ("store-2->store-1", "downstream"),
        ("store-3->store-1", "downstream"),
    }
    await manager.abort()
    assert ctx.proxy.faults == {}


async def test_latency_to_a_role_picks_only_those_links(tmp_path):
    manager, ctx = make_manager(tmp_path)
    record = await manager.inject(
        FaultRequest(type="latency", target="web-1", params={"ms": 200, "to": "store"})
    )
    assert ctx.proxy.faults[record.id]["params"] == {"ms": 200.0, "jitter_ms": 0.0}
    assert sorted(ctx.proxy.faults[record.id]["links"]) == [
        "web-1->store-1",
        "web-1->store-2",
        "web-1->store-3",
    ]
    assert record.peers == ["store-1", "store-2", "store-3"]


async def test_app_faults_go_to_the_admin_api_with_an_expiry(tmp_path):
    manager, ctx = make_manager(tmp_path)
    record = await manager.inject(
        FaultRequest(type="http-errors", target="web-3", params={"probability": 0.5}, duration=10)
    )
    sent = ctx.apps.faults[("web-3", record.id)]
    assert sent["kind"] == "http-errors" and sent["params"]["probability"] == 0.5
    assert sent["expires_in"] > 10
    await manager.revert(record.id)
    assert ctx.apps.faults == {}


async def test_bad_deploy_restarts_into_the_broken_release_and_rolls_back(tmp_path):
    runtime = FakeRuntime(STACK)
    manager, _ = make_manager(tmp_path, runtime)
    record = await manager.inject(FaultRequest(type="bad-deploy", target="web-2"))
    assert runtime.env_of("web-2")["GAMEDAY_WEB_BROKEN_ROUTES"] == "GET /kv/{key}"
    await manager.revert(record.id)
    assert runtime.env_of("web-2") == {}


@pytest.mark.parametrize(
    ("request_body", "status", "text"),
    [
        ({"type": "explode", "target": "web-1"}, 404, "unknown fault type"),
        ({"type": "kill", "target": "web-9"}, 404, "unknown target"),
        ({"type": "latency", "target": "web-1", "params": {"ms": -1}}, 422, "params.ms"),
        ({"type": "latency", "target": "web-1", "params": {"colour": 1}}, 422, "params.colour"),
        ({"type": "http-errors", "target": "store-1"}, 422, "applies to roles"),
        ({"type": "slow-disk", "target": "store-1"}, 409, "not supported"),
        ({"type": "latency", "target": "web-1", "params": {"to": "cache"}}, 404, "params.to"),
    ],
)
async def test_refusals_name_the_problem(tmp_path, request_body, status, text):
    manager, _ = make_manager(tmp_path)
    with pytest.raises(FaultError) as caught:
        await manager.inject(FaultRequest(**request_body))
    assert caught.value.status == status
    assert text in caught.value.message
    assert manager.journal.records() == []  # nothing journaled, nothing applied


def test_duration_is_bounded():
    with pytest.raises(ValueError, match="at most 3600s"):
        FaultRequest(type="kill", target="web-1", duration="2h")
    with pytest.raises(ValueError):
        FaultRequest(type="kill", target="web-1", duration="0s")


async def test_probability_zero_skips_without_touching_anything(tmp_path):
    manager, ctx = make_manager(tmp_path)
    record = await manager.inject(FaultRequest(type="kill", target="web-1", probability=0))
    assert record.state == "skipped"
    assert ctx.runtime.calls == []
    assert manager.injections[("kill", "skipped")] == 1


async def test_a_failed_revert_is_retried_until_it_succeeds(tmp_path):
    manager, ctx = make_manager(tmp_path)
    record = await manager.inject(FaultRequest(type="blackhole", target="web-1"))
    ctx.proxy.fail_removals = 1
    await manager.revert(record.id)
    assert record.state == "revert_failed" and record.revert_attempts == 1
    assert manager.reverts[("blackhole", "failed")] == 1
    assert [r["id"] for r in manager.journal.pending()] == [record.id]
    await asyncio.sleep(2.3)  # first retry after 2 s
    assert record.state == "reverted"
    assert manager.journal.pending() == []


async def test_a_failed_apply_is_undone_and_reported(tmp_path):
    runtime = FakeRuntime(STACK)
    runtime.fail_next["pause"] = RuntimeError("no such process")
    manager, _ = make_manager(tmp_path, runtime)
    with pytest.raises(FaultError) as caught:
        await manager.inject(FaultRequest(type="pause", target="web-1"))
    assert caught.value.status == 502
    assert manager.injections[("pause", "failed")] == 1
    assert ("resume", "web-1") in runtime.calls
    assert manager.journal.pending() == []


async def test_a_new_manager_reverts_what_the_journal_left(tmp_path):
    runtime = FakeRuntime(STACK)
    crashed, ctx = make_manager(tmp_path, runtime)
    await crashed.inject(FaultRequest(type="pause", target="web-1"))
    await crashed.inject(FaultRequest(type="stop", target="store-3"))
    for timer in crashed._timers.values():  # the controller "dies": no deadline fires
        timer.cancel()
    successor = FaultManager(ctx, Journal(tmp_path / "journal.jsonl"), crashed.members)
    recovered = await successor.recover()
    assert sorted(r.type for r in recovered) == ["pause", "stop"]
    assert all(r.state == "reverted" and r.recovered for r in recovered)
    assert runtime.status("web-1").state is ProcessState.running
    assert runtime.status("store-3").state is ProcessState.running
    assert successor.journal.records() == []  # compacted


async def test_abort_reverts_everything_at_once(tmp_path):
    manager, ctx = make_manager(tmp_path)
    for target in ("web-1", "web-2"):
        await manager.inject(FaultRequest(type="pause", target=target))
    await manager.inject(FaultRequest(type="latency", target="web-3", params={"ms": 50}))
    reverted = await manager.abort()
    assert len(reverted) == 3
    assert manager.active() == []
    assert ctx.proxy.faults == {}


async def test_recovering_twice_does_not_start_a_second_revert_of_the_same_fault(tmp_path):
    # The controller recovers once while adopting and again once the stack runs; a revert that
    # failed the first time is already being retried and must not get a second record.
    crashed, ctx = make_manager(tmp_path)
    record = await crashed.inject(FaultRequest(type="blackhole", target="web-1"))
    for timer in crashed._timers.values():
        timer.cancel()
    successor = FaultManager(ctx, Journal(tmp_path / "journal.jsonl"), crashed.members)
    ctx.proxy.fail_removals = 1
    [first] = await successor.recover()
    assert first.state == "revert_failed"
    assert await successor.recover() == []
    assert successor.records[record.id] is first and len(successor._timers) == 1
    await asyncio.sleep(2.3)  # the one retry chain
    assert first.state == "reverted" and successor.journal.pending() == []
    for timer in successor._timers.values():
        timer.cancel()
