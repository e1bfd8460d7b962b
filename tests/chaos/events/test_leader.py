"""Store leader changes: the first leader seen is the baseline; each different one later is one
`store.leader_changed` (from, to), kept until the recorder has it; no leader is no change."""

from __future__ import annotations

from chaos.events.leader import LeaderWatch


def test_each_new_leader_is_one_change_after_the_baseline():
    seen = iter(["store-1", "store-1", None, "store-2", "store-2", "store-3"])
    clock = iter([10.0, 20.0, 30.0])
    watch = LeaderWatch(lambda: next(seen), lambda: next(clock))
    assert watch(0) == [] and watch(0) == [] and watch(0) == []  # baseline, same, none
    changed = watch(0)
    assert [(e.kind, e.details, e.components, e.ts) for e in changed] == [
        ("store.leader_changed", {"from": "store-1", "to": "store-2"}, ["store-1", "store-2"],
         10.0)]
    assert watch(0) == changed  # still held for a recorder that has not synced
    assert [e.details["to"] for e in watch(15.0)] == ["store-3"]
