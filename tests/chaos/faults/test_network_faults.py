"""Network faults driven through the real fault proxy (in-process, real TCP links).

Effects are read from the proxy's own fault table and from bytes through a link, never from
what the fault thinks it asked for.
"""

from __future__ import annotations

import asyncio

import pytest

from chaos.controls.proxy import ProxyClient
from chaos.faults.context import FaultContext
from chaos.faults.latency import Latency, LatencyParams
from chaos.faults.partition import Partition, PartitionParams
from chaos.links import LinkTable
from chaos.runtime.fake import FakeRuntime
from chaos.testing.fakes import STACK, FakeApps, FakeStore
from tests.chaos.proxy.proxy_harness import EchoServer, roundtrip
from tests.chaos.proxy.real_proxy import TOKEN, real_proxy

STORE_LINKS = ["store-1->store-2", "store-2->store-1", "web-1->store-1"]


@pytest.fixture
async def echo():
    server = await EchoServer().start()
    try:
        yield server
    finally:
        await server.stop()


def context(client: ProxyClient) -> FaultContext:
    return FaultContext(
        runtime=FakeRuntime(STACK),
        links=LinkTable.from_components(["web-1"], ["store-1", "store-2"]),
        proxy=client,
        apps=FakeApps(),
        store=FakeStore(),
    )


async def swallowed(real, link: str, payload: bytes = b"ping") -> bool:
    """True if bytes sent on a new connection through `link` never come back."""
    reader, writer = await real.dial(link)
    try:
        writer.write(payload)
        await writer.drain()
        try:
            await asyncio.wait_for(reader.readexactly(len(payload)), 0.3)
        except TimeoutError:
            return True
        return False
    finally:
        writer.close()


async def test_a_one_way_partition_is_lifted_on_the_real_proxy(echo):
    """Defect 1: the one-way partition's proxy faults must be gone after revert."""
    async with real_proxy({name: echo.port for name in STORE_LINKS}) as real:
        ctx = context(ProxyClient(real.http, real.base_url, TOKEN))
        fault = Partition("f-oneway1", ["store-1"], PartitionParams(to="store-2", one_way=True),
                          30, ctx, peers=["store-2"])
        await fault.apply()
        assert await real.fault_table() != []
        assert await swallowed(real, "store-1->store-2")  # what store-1 sends is lost
        # web-1 is not on the other side: untouched.
        reader, writer = await real.dial("web-1->store-1")
        assert await roundtrip(reader, writer, b"web") == b"web"
        writer.close()

        await fault.revert()
        assert await real.fault_table() == []
        reader, writer = await real.dial("store-1->store-2")
        assert await roundtrip(reader, writer, b"healed") == b"healed"
        writer.close()
        await fault.revert()  # idempotent: a second revert (crash recovery) is harmless
        assert await real.fault_table() == []


async def test_revert_from_the_journal_record_alone_lifts_the_partition(echo):
    """After a controller crash, a fresh fault object built from the record reverts it."""
    async with real_proxy({name: echo.port for name in STORE_LINKS}) as real:
        ctx = context(ProxyClient(real.http, real.base_url, TOKEN))
        params = PartitionParams(to="store-2", one_way=True)
        await Partition("f-crash1", ["store-1"], params, 30, ctx, peers=["store-2"]).apply()
        # A new controller knows only the record: id, type, targets, params, peers.
        again = Partition("f-crash1", ["store-1"], params, 30, ctx, peers=["store-2"])
        await again.revert()
        assert await real.fault_table() == []


async def test_latency_params_are_the_ones_the_proxy_applies(echo):
    async with real_proxy({name: echo.port for name in STORE_LINKS}) as real:
        ctx = context(ProxyClient(real.http, real.base_url, TOKEN))
        fault = Latency("f-lat1", ["web-1"], LatencyParams(ms=150, to="store-1"), 30, ctx,
                        peers=["store-1"])
        await fault.apply()
        (entry,) = await real.fault_table()
        assert entry["kind"] == "latency" and entry["links"] == ["web-1->store-1"]
        assert entry["params"] == {"ms": 150.0, "jitter_ms": 0.0}
        await fault.revert()
        assert await real.fault_table() == []
