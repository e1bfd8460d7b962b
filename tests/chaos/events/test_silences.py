"""SilenceWatch: Alertmanager's silences become silence.added events, each once, read at
most every POLL_SECONDS; a failing Alertmanager keeps what was read and is logged once."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import httpx

from chaos.events.log import EventLog
from chaos.events.recorder import EventRecorder
from chaos.events.silences import POLL_SECONDS, SilenceWatch


def silence(silence_id: str, updated: str) -> dict:
    return {"id": silence_id, "status": {"state": "active"}, "updatedAt": updated,
            "startsAt": updated, "endsAt": "2026-12-02T13:00:00Z", "createdBy": "ana",
            "comment": "maintenance",
            "matchers": [{"name": "alertname", "value": "HighErrorRatio", "isRegex": False,
                          "isEqual": True}]}


class Alertmanager:
    def __init__(self) -> None:
        self.silences: list[dict] = []
        self.calls = 0
        self.down = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        assert request.url.path == "/api/v2/silences"
        if self.down:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json=self.silences)


class Clock:
    now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_each_silence_is_added_once_and_polls_are_spaced(tmp_path, caplog):
    am, clock = Alertmanager(), Clock()
    async with httpx.AsyncClient(transport=httpx.MockTransport(am)) as http:
        watch = SilenceWatch(http, lambda: "http://am.invalid", clock=clock)
        recorder = EventRecorder(EventLog(tmp_path / "events.jsonl"), watch,
                                 refresh=watch.refresh)
        am.silences = [silence("s-1", "2026-12-02T12:00:00.5Z")]
        await watch.refresh()
        recorder.sync()
        am.silences.append(silence("s-2", "2026-12-02T12:01:00Z"))
        await watch.refresh()  # too soon: not asked
        assert am.calls == 1
        clock.now += POLL_SECONDS
        await watch.refresh()
        recorder.sync()
        recorder.sync()
        events = recorder.read(0)
        assert [(e.kind, e.ref) for e in events] == [("silence.added", "s-1"),
                                                     ("silence.added", "s-2")]
        assert events[0].ts == datetime(2026, 12, 2, 12, 0, 0, 500000, UTC).timestamp()
        assert events[0].summary == "silence alertname=HighErrorRatio by ana: maintenance"
        assert events[0].actor == "user" and events[0].source == "silence"

        am.down = True
        with caplog.at_level(logging.WARNING, logger="gameday.events"):
            for _ in range(3):
                clock.now += POLL_SECONDS
                await watch.refresh()
        assert len([r for r in caplog.records if "silences" in r.message]) == 1
        assert len(watch(0)) == 2  # what was read stays


async def test_no_alertmanager_no_call():
    am = Alertmanager()
    async with httpx.AsyncClient(transport=httpx.MockTransport(am)) as http:
        watch = SilenceWatch(http, lambda: None)
        await watch.refresh()
    assert am.calls == 0 and watch(0) == []
