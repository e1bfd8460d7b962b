"""The recorder appends each derived event once: again and again while the sources still hold
it, after a restart (a new recorder over the same log), and not again once rotated away."""

from __future__ import annotations

from chaos.events.log import EventLog
from chaos.events.model import Recorded
from chaos.events.recorder import EventRecorder


def event(i: int) -> Recorded:
    return Recorded(ts=1000.0 + i, source="page", kind="page.fired", actor="controller",
                 summary=f"paged {i}", ref=f"p{i}", key=f"page.fired:p{i}")


class Sources:
    def __init__(self) -> None:
        self.events: list[Recorded] = []

    def __call__(self, since: float) -> list[Recorded]:
        return [e for e in self.events if e.ts >= since]


def keys(log: EventLog) -> list[str]:
    return [e.key for e in log.read()]


def test_each_event_is_appended_once_as_it_appears(tmp_path):
    log, sources = EventLog(tmp_path / "events.jsonl"), Sources()
    recorder = EventRecorder(log, sources)
    sources.events = [event(1)]
    assert [e.key for e in recorder.sync()] == ["page.fired:p1"]
    assert recorder.sync() == []
    sources.events.append(event(2))
    assert [e.summary for e in recorder.read(0)] == ["paged 1", "paged 2"]
    recorder.sync()
    assert keys(log) == ["page.fired:p1", "page.fired:p2"]


def test_a_restarted_recorder_appends_nothing_twice(tmp_path):
    sources = Sources()
    sources.events = [event(1), event(2)]
    EventRecorder(EventLog(tmp_path / "events.jsonl"), sources).sync()
    sources.events.append(event(3))
    restarted = EventRecorder(EventLog(tmp_path / "events.jsonl"), sources)
    assert [e.key for e in restarted.sync()] == ["page.fired:p3"]
    assert keys(EventLog(tmp_path / "events.jsonl")) == [f"page.fired:p{i}" for i in (1, 2, 3)]


def test_what_rotated_away_is_not_appended_again(tmp_path):
    log, sources = EventLog(tmp_path / "events.jsonl", max_bytes=700), Sources()
    sources.events = [event(i) for i in range(20)]
    EventRecorder(log, sources).sync()
    kept = keys(log)
    assert log.has_rotated and "page.fired:p0" not in kept
    restarted = EventRecorder(log, sources)
    assert restarted.sync() == []
    assert keys(log) == kept
