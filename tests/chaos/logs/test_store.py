"""The central log store: search, filters, tail and follow order, and its enforced limits."""

from __future__ import annotations

import os

import pytest

from chaos.logs.store import LogQuery, LogStore, NewEntry

TRACE = "5b8aa5a2d2c872e8321cf37308d69df2"


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path, clock):
    made = LogStore(tmp_path / "logs.sqlite", clock=clock)
    yield made
    made.close()


def fill(store: LogStore, clock: Clock) -> None:
    store.add([
        NewEntry(clock.now - 30, "web-2", "GET /kv/{key} 200", "info", "services.web.access",
                 TRACE, "9f1c2b3d4e5f6071"),
        NewEntry(clock.now - 40, "lb", f"status=200 server=web/web-2 trace_id={TRACE}", "info",
                 "haproxy.access", TRACE),
        NewEntry(clock.now - 20, "store-1", "lost leader member=8e9e", "warning", "raft.go:1"),
        NewEntry(clock.now - 10, "prometheus", "plain text, no level"),
        NewEntry(clock.now - 5, "web-1", "unhandled error on GET /kv/a", "error", "web.errors"),
    ])


def messages(found) -> list[str]:
    return [e.message.split()[0] for e in found]


def test_a_tail_is_the_newest_lines_oldest_first_interleaved_by_time(store, clock):
    fill(store, clock)
    everything = store.query(LogQuery())
    assert [e.component for e in everything] == ["lb", "web-2", "store-1", "prometheus", "web-1"]
    assert [e.component for e in store.query(LogQuery(limit=2))] == ["prometheus", "web-1"]


def test_filters_component_level_since_trace_and_grep(store, clock):
    fill(store, clock)
    assert messages(store.query(LogQuery(components=("web-1", "store-1")))) == [
        "lost", "unhandled"]
    assert messages(store.query(LogQuery(min_level="warning"))) == ["lost", "unhandled"]
    assert messages(store.query(LogQuery(since=clock.now - 15))) == ["plain", "unhandled"]
    by_trace = store.query(LogQuery(trace_id=TRACE))
    assert {e.component for e in by_trace} == {"web-2", "lb"}
    # Full text: words of the message, the trace id field (web's lines have it only there).
    assert {e.component for e in store.query(LogQuery(grep=TRACE))} == {"web-2", "lb"}
    assert messages(store.query(LogQuery(grep="LOST leader"))) == ["lost"]
    assert store.query(LogQuery(grep="leader lost")) == []  # a phrase, in order
    assert messages(store.query(LogQuery(grep='"quoted" OR *'))) == []  # never query syntax
    # No word to index (punctuation only): a substring search.
    assert messages(store.query(LogQuery(grep="/"))) == ["status=200", "GET", "unhandled"]


def test_following_returns_what_was_stored_after_an_id(store, clock):
    fill(store, clock)
    last = max(e.id for e in store.query(LogQuery()))
    assert store.query(LogQuery(after=last)) == []
    store.add([NewEntry(clock.now - 100, "lb", "late line, old time"),
               NewEntry(clock.now, "web-3", "new line")])
    followed = store.query(LogQuery(after=last))
    assert [e.component for e in followed] == ["lb", "web-3"]
    assert [e.component for e in store.query(LogQuery(after=last, limit=1))] == ["lb"]


def test_hidden_entries_are_left_out_and_do_not_count_to_the_limit(store, clock):
    fill(store, clock)
    found = store.query(LogQuery(limit=2), hide=lambda e: e.component == "web-1")
    assert [e.component for e in found] == ["store-1", "prometheus"]


def test_age_limit_is_enforced_on_write(tmp_path, clock):
    store = LogStore(tmp_path / "l.sqlite", max_age_seconds=60, clock=clock)
    store.add([NewEntry(clock.now - 120, "web-1", "too old"), NewEntry(clock.now, "web-1", "ok")])
    assert messages(store.query(LogQuery())) == ["ok"]
    clock.now += 61
    store.add([NewEntry(clock.now, "web-1", "newer")])
    assert messages(store.query(LogQuery())) == ["newer"]
    assert store.query(LogQuery(grep="ok")) == []  # gone from the text index too


def test_size_limit_is_enforced_past_twenty_times_the_bound(tmp_path, clock):
    limit = 256 * 1024
    store = LogStore(tmp_path / "l.sqlite", max_bytes=limit, clock=clock)
    line = "x" * 200
    for batch in range(100):
        store.add([NewEntry(clock.now, "lb", f"b{batch}n{n} {line}") for n in range(270)])
        assert store.stored_bytes <= limit
    assert store.stored_bytes > limit * 0.8  # trimmed to about 90%, not emptied
    counted = sum(len(e.message) + 2 + 24 for e in store.query(LogQuery(limit=10**6)))
    assert counted == store.stored_bytes
    newest = store.query(LogQuery(limit=1))[0]
    assert newest.message.startswith("b99n269")
    assert store.query(LogQuery(grep="b0n0")) == []  # the oldest went first
    # The file stays bounded too: the freed pages are reused.
    assert os.path.getsize(tmp_path / "l.sqlite") < 20 * limit
    store.close()


def test_offsets_and_lines_survive_a_reopen(tmp_path, clock):
    first = LogStore(tmp_path / "l.sqlite", clock=clock)
    first.add([NewEntry(clock.now, "web-1", "kept")], {"/s/logs/web-1.log": (42, 1234)})
    first.close()
    again = LogStore(tmp_path / "l.sqlite", clock=clock)
    assert again.offsets() == {"/s/logs/web-1.log": (42, 1234)}
    assert messages(again.query(LogQuery(grep="kept"))) == ["kept"]
    assert again.stored_bytes > 0
    again.close()


def test_bad_limits_are_refused(tmp_path):
    with pytest.raises(ValueError):
        LogStore(tmp_path / "l.sqlite", max_bytes=0)
