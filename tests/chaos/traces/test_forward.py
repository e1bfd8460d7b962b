"""The relay to a second OTLP/HTTP backend (Jaeger under Compose): bodies as received, in
order, never blocking the receiver; a backend that is down or behind costs dropped relays."""

from __future__ import annotations

import asyncio
import gzip
import logging

import httpx

from chaos.traces.forward import TraceForwarder
from tests.chaos.traces.exports import export_body, recorded

URL = "http://jaeger:4318/v1/traces"


class Backend:
    """An OTLP/HTTP endpoint that records what it receives, answering `status` (or raising
    ConnectError while `down`)."""

    def __init__(self) -> None:
        self.received: list[httpx.Request] = []
        self.status = 200
        self.down = False
        self.gate: asyncio.Event | None = None

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.gate is not None:
            await self.gate.wait()
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        self.received.append(request)
        return httpx.Response(self.status)


def forwarder(backend: Backend, **options) -> TraceForwarder:
    return TraceForwarder(URL, httpx.AsyncClient(transport=httpx.MockTransport(backend)),
                          **options)


async def test_exports_are_relayed_as_received_in_order():
    backend = Backend()
    relay = forwarder(backend)
    first = export_body(recorded("web-1"))
    second = gzip.compress(export_body(recorded("web-2")))
    assert relay.offer(first) and relay.offer(second, "gzip")
    await relay.flush()
    assert [r.content for r in backend.received] == [first, second]
    assert [r.url for r in backend.received] == [httpx.URL(URL)] * 2
    assert backend.received[0].headers["content-type"] == "application/x-protobuf"
    assert "content-encoding" not in backend.received[0].headers
    assert backend.received[1].headers["content-encoding"] == "gzip"
    assert (relay.sent, relay.failed, relay.dropped) == (2, 0, 0)
    await relay.aclose()


async def test_without_a_url_nothing_is_relayed():
    backend = Backend()
    relay = TraceForwarder("", httpx.AsyncClient(transport=httpx.MockTransport(backend)))
    assert not relay.enabled
    assert relay.offer(b"x") is False
    await relay.flush()
    assert backend.received == [] and relay.sent == 0
    await relay.aclose()


async def test_a_backend_that_is_behind_costs_dropped_relays_not_a_blocked_receiver():
    backend = Backend()
    backend.gate = asyncio.Event()  # the backend answers nothing until the gate opens
    relay = forwarder(backend, queue_size=2)
    offered = [relay.offer(f"export {i}".encode()) for i in range(4)]
    await asyncio.sleep(0.01)  # the relay takes the first one and waits on the backend
    offered += [relay.offer(f"export {i}".encode()) for i in range(4, 7)]
    # offer() never waited: 0 and 1 queued, 2 and 3 dropped; then 0 in flight, 1 and 4
    # queued, 5 and 6 dropped.
    assert offered == [True, True, False, False, True, False, False]
    backend.gate.set()
    await relay.flush()
    assert [r.content for r in backend.received] == [b"export 0", b"export 1", b"export 4"]
    assert (relay.sent, relay.dropped) == (3, 4)
    await relay.aclose()


async def test_failures_are_counted_and_logged_once_until_the_backend_answers(caplog):
    backend = Backend()
    backend.down = True
    relay = forwarder(backend)
    with caplog.at_level(logging.WARNING, logger="gameday.traces.forward"):
        for i in range(3):
            relay.offer(f"export {i}".encode())
        await relay.flush()
        backend.down, backend.status = False, 503
        relay.offer(b"refused")
        await relay.flush()
        backend.status = 200
        relay.offer(b"taken")
        await relay.flush()
    assert (relay.sent, relay.failed, relay.dropped) == (1, 4, 0)
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2, messages
    assert "failed (ConnectError" in messages[0] and URL in messages[0]
    assert "works again" in messages[1]
    await relay.aclose()
