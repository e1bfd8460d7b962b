"""Reverts that race an apply still in flight: abort, an explicit revert, the deadline, `down`.

The apply is slow on purpose (a store whose fill waits on an event), the manager is the real
one, and what counts is what the fake store holds at the end, not the manager's own records.
"""

from __future__ import annotations

import asyncio
import random

from chaos.faults.manager import FaultManager, FaultRequest
from chaos.journal import Journal
from chaos.targets import Member
from chaos.testing.fakes import STACK, FakeStore, fake_context


class GatedStore(FakeStore):
    """A store whose fill only lands when `gate` is set (or never, if it is never set)."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.started = asyncio.Event()
        self.cancelled = 0
        self.events: list[str] = []

    async def fill(self, member: str, fault_id: str) -> dict:
        self.started.set()
        try:
            await self.gate.wait()
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        self.events.append("filled")
        return await super().fill(member, fault_id)

    async def unfill(self, fault_id: str) -> None:
        self.events.append("unfilled")
        await super().unfill(fault_id)


def make_manager(tmp_path, grace: float = 5.0):
    ctx = fake_context()
    ctx.store = GatedStore()

    async def members():
        return [Member(n, r, leader=(n == "store-2")) for n, r in STACK.items()]

    manager = FaultManager(ctx, Journal(tmp_path / "journal.jsonl"), members, random.Random(1))
    manager.apply_grace = grace
    return manager, ctx.store


async def start_slow_inject(manager, store, duration: float = 60):
    inject = asyncio.create_task(
        manager.inject(FaultRequest(type="disk-fill", target="store-1", duration=duration))
    )
    await asyncio.wait_for(store.started.wait(), 2)
    (record,) = manager.active()
    assert record.state == "applying"
    return inject, record


def events_of(manager, fault_id: str) -> list[str]:
    return [r["event"] for r in manager.journal.records() if r["id"] == fault_id]


def assert_baseline(manager, store, record) -> None:
    assert store.filled == {}, "the fault outlived its revert"
    assert record.state == "reverted"
    assert events_of(manager, record.id) == ["apply", "revert", "reverted"]
    assert manager.journal.pending() == []
    assert manager.active() == []
    assert manager._timers == {}


async def test_abort_while_applying_reverts_after_the_apply_lands(tmp_path):
    manager, store = make_manager(tmp_path)
    inject, record = await start_slow_inject(manager, store)
    abort = asyncio.create_task(manager.abort())
    await asyncio.sleep(0.05)
    assert not abort.done(), "abort must wait for the apply in flight"
    store.gate.set()  # the apply completes...
    aborted = await asyncio.wait_for(abort, 2)
    returned = await asyncio.wait_for(inject, 2)
    assert [r.id for r in aborted] == [record.id]
    assert returned.state == "reverted"
    assert store.events == ["filled", "unfilled"]  # ...and the revert runs after it
    assert_baseline(manager, store, record)


async def test_an_apply_that_never_finishes_is_cancelled_then_reverted(tmp_path):
    manager, store = make_manager(tmp_path, grace=0.1)
    inject, record = await start_slow_inject(manager, store)
    await asyncio.wait_for(manager.abort(), 2)
    await asyncio.wait_for(inject, 2)
    assert store.cancelled == 1
    assert store.events == ["unfilled"]
    assert_baseline(manager, store, record)


async def test_an_explicit_revert_while_applying_wins(tmp_path):
    manager, store = make_manager(tmp_path)
    inject, record = await start_slow_inject(manager, store)
    revert = asyncio.create_task(manager.revert(record.id))
    await asyncio.sleep(0.05)
    store.gate.set()
    await asyncio.wait_for(revert, 2)
    await asyncio.wait_for(inject, 2)
    assert store.events == ["filled", "unfilled"]
    assert_baseline(manager, store, record)


async def test_the_deadline_passing_while_applying_still_reverts(tmp_path):
    manager, store = make_manager(tmp_path, grace=0.1)
    inject, record = await start_slow_inject(manager, store, duration=0.2)
    await asyncio.wait_for(inject, 3)  # the deadline cut the hung apply short
    await asyncio.sleep(0.05)
    assert store.cancelled == 1
    assert_baseline(manager, store, record)


async def test_a_deadline_shorter_than_a_slow_apply_reverts_once_it_lands(tmp_path):
    manager, store = make_manager(tmp_path)
    inject, record = await start_slow_inject(manager, store, duration=0.1)
    await asyncio.sleep(0.3)  # the deadline has passed; the apply is still going
    store.gate.set()
    await asyncio.wait_for(inject, 2)
    for _ in range(50):
        if record.state == "reverted":
            break
        await asyncio.sleep(0.02)
    assert store.events == ["filled", "unfilled"]
    assert_baseline(manager, store, record)


async def test_a_caller_that_goes_away_mid_apply_does_not_orphan_the_fault(tmp_path):
    manager, store = make_manager(tmp_path)
    inject, record = await start_slow_inject(manager, store, duration=0.2)
    inject.cancel()  # e.g. the HTTP client disconnected
    await asyncio.sleep(0.05)
    store.gate.set()  # the apply still lands, so its deadline must still revert it
    for _ in range(100):
        if record.state == "reverted":
            break
        await asyncio.sleep(0.02)
    assert store.events == ["filled", "unfilled"]
    assert_baseline(manager, store, record)


async def test_down_during_apply_leaves_nothing_behind(tmp_path):
    """`down` (stop_stack) reverts through abort(); a second abort right after is a no-op."""
    manager, store = make_manager(tmp_path, grace=0.1)
    inject, record = await start_slow_inject(manager, store)
    await asyncio.gather(manager.abort(), manager.abort())
    await asyncio.wait_for(inject, 2)
    assert store.events == ["unfilled"]
    assert_baseline(manager, store, record)
