"""Failover and retry rules of the etcd gateway client, played with httpx.MockTransport."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable

import httpx
import pytest

from services.web.etcd_codec import prefix_range_end
from services.web.store_client import EtcdGateway
from services.web.store_errors import StoreError, StoreFull, StoreTimeout, StoreUnavailable

E1, E2, E3 = "http://store-1:2379", "http://store-2:2379", "http://store-3:2379"
OK_RANGE = {
    "header": {"revision": "7"},
    "kvs": [
        {
            "key": base64.b64encode(b"k").decode(),
            "value": base64.b64encode(b"v").decode(),
            "mod_revision": "5",
            "create_revision": "3",
            "version": "2",
        }
    ],
    "count": "1",
}
OK_PUT = {"header": {"revision": "8"}}


class Script:
    """Per-endpoint behaviour: a list of actions consumed one per call (last one repeats)."""

    def __init__(self, **by_host: list[Callable[[httpx.Request], httpx.Response]]) -> None:
        self.by_host = by_host
        self.seen: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        self.seen.append(host)
        actions = self.by_host[host.replace("-", "_")]
        action = actions.pop(0) if len(actions) > 1 else actions[0]
        return action(request)


def refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


def time_out(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("timed out", request=request)


def answer(status: int, body: dict) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(status, json=body)


def gateway(script: Script, observed: list | None = None, retries: int = 2) -> EtcdGateway:
    def record(op: str, outcome: str, seconds: float) -> None:
        if observed is not None:
            observed.append((op, outcome, seconds))

    client = httpx.AsyncClient(transport=httpx.MockTransport(script))
    return EtcdGateway(
        client,
        [E1, E2, E3],
        timeout=0.2,
        read_retries=retries,
        backoff_seconds=0.001,
        observe=record,
    )


async def test_connection_refused_fails_over_to_next_endpoint() -> None:
    script = Script(store_1=[refuse], store_2=[answer(200, OK_RANGE)], store_3=[refuse])
    found, revision = await gateway(script).get("k")
    assert found is not None and found.value == "v" and found.mod_revision == 5
    assert revision == 7
    assert script.seen == ["store-1", "store-2"]


async def test_failover_sticks_to_the_endpoint_that_worked() -> None:
    script = Script(store_1=[refuse], store_2=[answer(200, OK_RANGE)], store_3=[refuse])
    client = gateway(script)
    await client.get("k")
    await client.get("k")
    assert script.seen == ["store-1", "store-2", "store-2"]
    assert client.preferred_endpoint == E2


async def test_write_fails_over_on_refused_connection_because_nothing_was_sent() -> None:
    script = Script(store_1=[refuse], store_2=[answer(200, OK_PUT)], store_3=[refuse])
    assert await gateway(script).put("k", "v") == 8
    assert script.seen == ["store-1", "store-2"]


async def test_read_is_retried_on_timeout_on_the_next_endpoint() -> None:
    script = Script(store_1=[time_out], store_2=[answer(200, OK_RANGE)], store_3=[refuse])
    found, _ = await gateway(script).get("k")
    assert found is not None
    assert script.seen == ["store-1", "store-2"]


async def test_read_retries_are_bounded() -> None:
    script = Script(store_1=[time_out], store_2=[time_out], store_3=[time_out])
    with pytest.raises(StoreTimeout):
        await gateway(script, retries=2).get("k")
    assert len(script.seen) == 3  # first attempt + 2 retries


async def test_write_is_never_retried_after_a_timeout() -> None:
    script = Script(store_1=[time_out], store_2=[answer(200, OK_PUT)], store_3=[refuse])
    with pytest.raises(StoreTimeout):
        await gateway(script).put("k", "v")
    assert script.seen == ["store-1"]


async def test_write_is_never_retried_after_an_etcd_error() -> None:
    no_leader = answer(503, {"error": "etcdserver: no leader", "code": 14})
    script = Script(store_1=[no_leader], store_2=[answer(200, OK_PUT)], store_3=[refuse])
    with pytest.raises(StoreUnavailable, match="no leader"):
        await gateway(script).delete("k")
    assert script.seen == ["store-1"]


async def test_read_is_retried_after_an_etcd_unavailable_error() -> None:
    no_leader = answer(503, {"error": "etcdserver: no leader", "code": 14})
    script = Script(store_1=[no_leader], store_2=[answer(200, OK_RANGE)], store_3=[refuse])
    found, _ = await gateway(script).get("k")
    assert found is not None


async def test_all_endpoints_refusing_is_unavailable() -> None:
    script = Script(store_1=[refuse], store_2=[refuse], store_3=[refuse])
    with pytest.raises(StoreUnavailable, match="no store endpoint accepted a connection"):
        await gateway(script, retries=0).get("k")
    assert script.seen == ["store-1", "store-2", "store-3"]


async def test_nospace_alarm_is_store_full_and_not_retried() -> None:
    nospace = answer(
        429,
        {
            "error": "etcdserver: mvcc: database space exceeded",
            "message": "etcdserver: mvcc: database space exceeded",
            "code": 8,
        },
    )
    script = Script(store_1=[nospace], store_2=[answer(200, OK_PUT)], store_3=[refuse])
    with pytest.raises(StoreFull):
        await gateway(script).put("k", "v")
    assert script.seen == ["store-1"]


async def test_client_errors_are_not_retried() -> None:
    script = Script(store_1=[answer(400, {"error": "bad request"})], store_2=[], store_3=[])
    with pytest.raises(StoreError) as raised:
        await gateway(script).get("k")
    assert type(raised.value) is StoreError
    assert script.seen == ["store-1"]


async def test_every_attempt_is_observed_with_its_outcome() -> None:
    observed: list = []
    script = Script(store_1=[refuse], store_2=[time_out], store_3=[answer(200, {})])
    found, _ = await gateway(script, observed).get("k")
    assert found is None
    assert [(op, outcome) for op, outcome, _ in observed] == [
        ("get", "unavailable"),
        ("get", "timeout"),
        ("get", "not_found"),
    ]


async def test_find_leader_prefers_an_endpoint_that_sees_one() -> None:
    script = Script(
        store_1=[answer(200, {"leader": "0"})],
        store_2=[answer(200, {"leader": "99", "raftTerm": "4"})],
        store_3=[refuse],
    )
    client = gateway(script)
    status = await client.find_leader()
    assert (status.endpoint, status.leader, status.raft_term) == (E2, 99, 4)
    assert client.preferred_endpoint == E2


async def test_find_leader_fails_when_nobody_sees_one() -> None:
    script = Script(store_1=[answer(200, {"leader": "0"})], store_2=[refuse], store_3=[time_out])
    with pytest.raises(StoreUnavailable, match="no store endpoint sees a leader"):
        await gateway(script).find_leader()


@pytest.mark.parametrize(
    ("prefix", "end"),
    [(b"a/", b"a0"), (b"a\xff", b"b"), (b"\xff\xff", b"\0"), (b"", b"\0")],
)
def test_prefix_range_end(prefix: bytes, end: bytes) -> None:
    assert prefix_range_end(prefix) == end


async def test_timeout_is_503_with_retry_after(make_client) -> None:
    async with make_client(transport=httpx.MockTransport(time_out), store_read_retries=0) as client:
        response = await client.get("/kv/k")
        write = await client.put("/kv/k", json={"value": "v"})
    for failed in (response, write):
        assert failed.status_code == 503
        assert failed.headers["Retry-After"] == "1"
        assert failed.json()["error"] == "store_unavailable"


async def test_nospace_is_503_store_full(make_client) -> None:
    nospace = answer(429, {"message": "etcdserver: mvcc: database space exceeded", "code": 8})
    async with make_client(transport=httpx.MockTransport(nospace)) as client:
        response = await client.put("/kv/k", json={"value": "v"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert response.json()["error"] == "store_full"


async def test_readyz_follows_the_leader(make_client, fake_etcd) -> None:
    async with make_client() as client:
        assert (await client.get("/readyz")).status_code == 200
        fake_etcd.leader = 0
        await asyncio.sleep(0.3)  # past the 250 ms readiness cache
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["ready"] is False
