"""Plain forwarding with no faults: bytes, half-close, backpressure, counters."""

from __future__ import annotations

import asyncio
import os

from tests.chaos.proxy.proxy_harness import TIMEOUT, expect_reset, free_port, roundtrip


async def test_echo_roundtrip_and_byte_counters(echo, start_proxy):
    p = await start_proxy({"a": echo.port})
    reader, writer = await p.dial("a")
    assert await roundtrip(reader, writer, b"hello") == b"hello"
    link = await p.link("a")
    assert link["active_connections"] == 1
    assert link["connections_total"] == 1
    assert (link["bytes_up"], link["bytes_down"]) == (5, 5)
    writer.close()


async def test_half_close_is_forwarded(echo, start_proxy):
    p = await start_proxy({"a": echo.port})
    reader, writer = await p.dial("a")
    writer.write(b"last words")
    writer.write_eof()
    # The echo server only closes after it sees our FIN, so reading to EOF proves both ways.
    assert await asyncio.wait_for(reader.read(), TIMEOUT) == b"last words"
    writer.close()
    deadline = asyncio.get_running_loop().time() + TIMEOUT
    while (await p.link("a"))["active_connections"] or p.proxy.connections:
        assert asyncio.get_running_loop().time() < deadline, "connection never released"
        await asyncio.sleep(0.01)


async def test_large_transfer_survives_backpressure(echo, start_proxy):
    p = await start_proxy({"a": echo.port})
    reader, writer = await p.dial("a")
    payload = os.urandom(8 * 1024 * 1024)

    async def send():
        writer.write(payload)
        await writer.drain()

    sender = asyncio.create_task(send())
    got = await asyncio.wait_for(reader.readexactly(len(payload)), 20)
    await sender
    assert got == payload
    writer.close()


async def test_unreachable_upstream_resets_client(start_proxy):
    p = await start_proxy({"a": free_port()})  # nothing listens there
    reader, writer = await p.dial("a")
    await expect_reset(reader)
    writer.close()
