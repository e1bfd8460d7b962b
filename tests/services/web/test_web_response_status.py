"""StatusRecorder: passes every message on, remembers the status, 500 until one starts."""

from __future__ import annotations

from services.web.response_status import StatusRecorder


async def test_remembers_the_status_and_passes_every_message_on() -> None:
    sent = []

    async def send(message):
        sent.append(message)

    recorder = StatusRecorder(send)
    assert recorder.status == 500  # nothing answered yet: an escaping exception becomes a 500
    start = {"type": "http.response.start", "status": 404, "headers": []}
    body = {"type": "http.response.body", "body": b"x"}
    await recorder(start)
    await recorder(body)
    assert recorder.status == 404
    assert sent == [start, body]
