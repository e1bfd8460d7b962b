"""One contract, two implementations: `FakeProxy` and the real fault proxy.

The same cases run against the fake and against `chaos.proxy` (its admin app in-process over
ASGI, with real TCP links on 127.0.0.1, driven through `ProxyClient`). The real proxy's state
is read from its own fault table (`GET /faults`) and from traffic through a link, never from
what we asked of it. A fake that accepted what the proxy refuses would fail here.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest

from chaos.controls.proxy import ProxyClient
from chaos.netfaults.control import NetworkControl
from chaos.netfaults.schemas import LinkDirection
from chaos.testing.fakes import FakeProxy
from tests.chaos.proxy.proxy_harness import EchoServer, expect_reset, roundtrip
from tests.chaos.proxy.real_proxy import TOKEN, RealProxy, real_proxy

LINKS = ["web-1->store-1", "store-1->store-2"]


@dataclass
class UnderTest:
    control: NetworkControl
    table: Callable[[], Awaitable[list[dict]]]
    quiet: Callable[[], Awaitable[bool]]
    real: RealProxy | None = None


@pytest.fixture(params=["fake", "real"])
async def proxy(request) -> AsyncIterator[UnderTest]:
    if request.param == "fake":
        fake = FakeProxy()

        async def table() -> list[dict]:
            return list(fake.faults.values())

        async def quiet() -> bool:
            return fake.quiet

        yield UnderTest(fake, table, quiet)
        return
    echo = await EchoServer().start()
    try:
        async with real_proxy({name: echo.port for name in LINKS}) as real:
            async def metrics_quiet() -> bool:
                # Quiet hides which links are faulted: read it from the proxy's own metrics.
                text = (await real.http.get("/metrics")).text
                return "proxy_link_faults_active{" not in text

            yield UnderTest(ProxyClient(real.http, real.base_url, TOKEN), real.fault_table,
                            metrics_quiet, real)
    finally:
        await echo.stop()


async def test_add_shows_the_fault_with_validated_params(proxy):
    await proxy.control.add_fault("f-1", "latency", ["web-1->store-1"], "downstream", {"ms": 20})
    assert await proxy.table() == [{
        "id": "f-1", "kind": "latency", "links": ["web-1->store-1"], "direction": "downstream",
        "params": {"ms": 20.0, "jitter_ms": 0.0},
    }]


async def test_defaults_come_from_the_one_schema(proxy):
    await proxy.control.add_fault("f-2", "bandwidth", ["*"], "both", {})
    (entry,) = await proxy.table()
    assert entry["params"] == {"bytes_per_s": 10_000}


async def test_same_id_replaces(proxy):
    await proxy.control.add_fault("f-3", "loss", ["web-1->store-1"], "both", {"probability": 0.5})
    await proxy.control.add_fault("f-3", "cut", ["store-1->store-2"], "both", {})
    assert [(e["id"], e["kind"]) for e in await proxy.table()] == [("f-3", "cut")]


async def test_remove_then_remove_of_an_unknown_id_is_fine(proxy):
    await proxy.control.add_fault("f-4", "cut", ["web-1->store-1"], "both", {})
    await proxy.control.remove_fault("f-4")
    assert await proxy.table() == []
    await proxy.control.remove_fault("f-4")  # already gone
    await proxy.control.remove_fault("never-added")
    assert await proxy.table() == []


async def test_clear_removes_everything(proxy):
    for i in range(3):
        await proxy.control.add_fault(f"f-{i}", "blackhole", ["*->store-2"], "upstream", {})
    await proxy.control.clear()
    assert await proxy.table() == []


@pytest.mark.parametrize("fault_id", ["a.b_c:d-1", "F-9", "x" * 100])
async def test_odd_but_valid_ids_round_trip(proxy, fault_id):
    await proxy.control.add_fault(fault_id, "cut", ["web-1->store-1"], "both", {})
    assert [e["id"] for e in await proxy.table()] == [fault_id]
    await proxy.control.remove_fault(fault_id)
    assert await proxy.table() == []


@pytest.mark.parametrize("fault_id", [
    "f-1/out", "", ".", "..", ".hidden", "a b", "a%2Fb", "a?b", "a#b", "ü", "x" * 101,
])
async def test_ids_the_delete_route_cannot_address_are_refused(proxy, fault_id):
    with pytest.raises(ValueError):
        await proxy.control.add_fault(fault_id, "cut", ["web-1->store-1"], "both", {})
    with pytest.raises(ValueError):
        await proxy.control.remove_fault(fault_id)
    assert await proxy.table() == []


async def test_unknown_kind_is_refused(proxy):
    with pytest.raises(ValueError, match="kind"):
        await proxy.control.add_fault("f-5", "gremlins", ["web-1->store-1"], "both", {})
    assert await proxy.table() == []


@pytest.mark.parametrize(("kind", "params"), [
    ("latency", {"ms": -1}),
    ("latency", {"ms": 60_001}),
    ("latency", {"jitter_ms": -2}),
    ("latency", {"ms": "soon"}),
    ("loss", {"probability": 1.5}),
    ("bandwidth", {"bytes_per_s": 0}),
    ("cut", {"surprise": 1}),
    ("blackhole", {"ms": 1}),
])
async def test_bad_params_are_refused_naming_the_field(proxy, kind, params):
    with pytest.raises(ValueError) as refused:
        await proxy.control.add_fault("f-6", kind, ["web-1->store-1"], "both", params)
    assert next(iter(params)) in str(refused.value)
    assert await proxy.table() == []


@pytest.mark.parametrize(("links", "direction"), [([], "both"), ([""], "both"),
                                                  (["web-1->store-1"], "sideways")])
async def test_bad_links_or_direction_are_refused(proxy, links, direction):
    with pytest.raises(ValueError):
        await proxy.control.add_fault("f-7", "cut", links, direction, {})
    assert await proxy.table() == []


async def test_per_link_directions_are_one_fault(proxy):
    links = [LinkDirection(link="store-1->store-2", direction="upstream"),
             LinkDirection(link="web-1->store-1", direction="downstream")]
    await proxy.control.add_fault("f-8", "cut", links, "both", {})
    (entry,) = await proxy.table()
    assert entry["links"] == [{"link": "store-1->store-2", "direction": "upstream"},
                              {"link": "web-1->store-1", "direction": "downstream"}]
    await proxy.control.remove_fault("f-8")
    assert await proxy.table() == []


async def test_quiet_hides_and_unhides(proxy):
    await proxy.control.add_fault("f-9", "latency", ["web-1->store-1"], "both", {"ms": 1})
    assert not await proxy.quiet()
    await proxy.control.set_quiet(True)
    assert await proxy.quiet()
    await proxy.control.set_quiet(False)
    assert not await proxy.quiet()
    assert len(await proxy.table()) == 1  # quiet hides, it does not remove


async def test_effects_on_real_traffic(proxy):
    """What the table says is what the link does (real proxy only: the fake has no link)."""
    if proxy.real is None:
        pytest.skip("the fake carries no traffic")
    real = proxy.real
    await proxy.control.add_fault("f-10", "cut", ["web-1->store-1"], "both", {})
    reader, writer = await real.dial("web-1->store-1")
    await expect_reset(reader)
    writer.close()
    other_r, other_w = await real.dial("store-1->store-2")
    assert await roundtrip(other_r, other_w, b"untouched") == b"untouched"
    other_w.close()
    # One way: bytes upstream are swallowed, the link is not reset.
    await proxy.control.add_fault(
        "f-10", "cut", [LinkDirection(link="web-1->store-1", direction="upstream")], "both", {}
    )
    reader, writer = await real.dial("web-1->store-1")
    writer.write(b"lost")
    await writer.drain()
    with pytest.raises((TimeoutError, asyncio.TimeoutError)):
        await asyncio.wait_for(reader.readexactly(4), 0.3)
    writer.close()
    await proxy.control.remove_fault("f-10")
    reader, writer = await real.dial("web-1->store-1")
    assert await roundtrip(reader, writer, b"healed") == b"healed"
    writer.close()
