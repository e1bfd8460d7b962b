"""Failover and retry rules of the etcd gateway client, on the real aiohttp transport.

Every endpoint is a real 127.0.0.1 port: an aiohttp server answering scripted replies, a
server that stalls (accepts the call and never answers), or a bound socket that is not
listening, so the kernel refuses the connection. Only the recording of which endpoint each
attempt went to is a wrapper; the calls themselves cross real sockets.
"""

from __future__ import annotations

import asyncio
import base64
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import suppress

import pytest
from aiohttp import web

from services.web.etcd_codec import prefix_range_end
from services.web.store_client import EtcdGateway
from services.web.store_errors import StoreError, StoreFull, StoreTimeout, StoreUnavailable
from services.web.store_transport import AiohttpTransport, StoreAnswer

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

Action = Callable[["Member", web.Request], Awaitable[web.StreamResponse]]


def refuse(member: Member, request: web.Request) -> Awaitable[web.StreamResponse]:
    raise AssertionError("a refusing member never gets a call")  # marker: see Member


async def time_out(member: Member, request: web.Request) -> web.StreamResponse:
    # Accept the call and never answer (until the test ends).
    await member.released.wait()
    return web.Response(status=599)


async def hang_up(member: Member, request: web.Request) -> web.StreamResponse:
    # Read the whole request, then close the connection without a word: outcome unknown.
    assert request.transport is not None
    request.transport.abort()
    await member.released.wait()
    return web.Response(status=599)


def answer(status: int, body: dict) -> Action:
    async def reply(member: Member, request: web.Request) -> web.StreamResponse:
        return web.json_response(body, status=status)

    return reply


class Member:
    """One fake etcd endpoint on a real port; actions are consumed one per call (last repeats)."""

    def __init__(self, actions: list[Action]) -> None:
        self.actions = actions
        self.released = asyncio.Event()
        self.calls = 0
        self._runner: web.AppRunner | None = None
        self._socket: socket.socket | None = None
        self.url = ""

    async def start(self) -> None:
        if self.actions == [refuse]:
            # Bound but not listening: connecting gets ECONNREFUSED, and no one else can
            # take the port while the test runs.
            self._socket = socket.socket()
            self._socket.bind(("127.0.0.1", 0))
            self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
            return
        app = web.Application()
        app.router.add_post("/{path:.*}", self._handle)
        self._runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        await request.read()
        action = self.actions.pop(0) if len(self.actions) > 1 else self.actions[0]
        self.calls += 1
        return await action(self, request)

    async def stop(self) -> None:
        self.released.set()
        if self._runner is not None:
            await self._runner.cleanup()
        if self._socket is not None:
            self._socket.close()


class Recording:
    """The real transport, plus which member each attempt went to."""

    def __init__(self, names: dict[str, str], per_endpoint: int = 32) -> None:
        self.inner = AiohttpTransport(per_endpoint)
        self.names = names
        self.seen: list[str] = []

    async def post(self, url: str, body: bytes, timeout: float, *,
                   require_leader: bool = False) -> StoreAnswer:
        self.seen.append(next(name for base, name in self.names.items() if url.startswith(base)))
        return await self.inner.post(url, body, timeout, require_leader=require_leader)

    async def aclose(self) -> None:
        await self.inner.aclose()


class Script:
    def __init__(self, members: dict[str, Member], transport: Recording) -> None:
        self.members = members
        self.transport = transport

    @property
    def seen(self) -> list[str]:
        return self.transport.seen

    def url(self, name: str) -> str:
        return self.members[name].url


@pytest.fixture
async def stores() -> AsyncIterator[Callable[..., Awaitable[Script]]]:
    started: list[Member] = []
    transports: list[Recording] = []

    async def make(per_endpoint: int = 32, **by_name: list[Action]) -> Script:
        members = {}
        for name, actions in by_name.items():
            member = Member(actions)
            await member.start()
            started.append(member)
            members[name.replace("_", "-")] = member
        transport = Recording({m.url: name for name, m in members.items()}, per_endpoint)
        transports.append(transport)
        return Script(members, transport)

    yield make
    for transport in transports:
        await transport.aclose()
    for member in started:
        await member.stop()


def gateway(script: Script, observed: list | None = None, retries: int = 2,
            timeout: float = 1.0, leader_grace: float = 0.05) -> EtcdGateway:
    def record(op: str, outcome: str, seconds: float) -> None:
        if observed is not None:
            observed.append((op, outcome, seconds))

    return EtcdGateway(
        script.transport,
        [member.url for member in script.members.values()],
        # 1 s, not less: a call that must succeed shares this budget with the ones that time
        # out, and a busy 2-core CI machine took more than 0.3 s over a first connection.
        timeout=timeout,
        read_retries=retries,
        backoff_seconds=0.001,
        observe=record,
        leader_grace=leader_grace,
    )


async def test_connection_refused_fails_over_to_next_endpoint(stores) -> None:
    script = await stores(store_1=[refuse], store_2=[answer(200, OK_RANGE)], store_3=[refuse])
    found, revision = await gateway(script).get("k")
    assert found is not None and found.value == "v" and found.mod_revision == 5
    assert revision == 7
    assert script.seen == ["store-1", "store-2"]


async def test_failover_sticks_to_the_endpoint_that_worked(stores) -> None:
    script = await stores(store_1=[refuse], store_2=[answer(200, OK_RANGE)], store_3=[refuse])
    client = gateway(script)
    await client.get("k")
    await client.get("k")
    assert script.seen == ["store-1", "store-2", "store-2"]
    assert client.preferred_endpoint == script.url("store-2")


async def test_write_fails_over_on_refused_connection_because_nothing_was_sent(stores) -> None:
    script = await stores(store_1=[refuse], store_2=[answer(200, OK_PUT)], store_3=[refuse])
    assert await gateway(script).put("k", "v") == 8
    assert script.seen == ["store-1", "store-2"]


async def test_read_is_retried_on_timeout_on_the_next_endpoint(stores) -> None:
    script = await stores(store_1=[time_out], store_2=[answer(200, OK_RANGE)], store_3=[refuse])
    found, _ = await gateway(script).get("k")
    assert found is not None
    assert script.seen == ["store-1", "store-2"]


async def test_read_retries_are_bounded(stores) -> None:
    script = await stores(store_1=[time_out], store_2=[time_out], store_3=[time_out])
    with pytest.raises(StoreTimeout):
        await gateway(script, retries=2).get("k")
    assert len(script.seen) == 3  # first attempt + 2 retries


async def test_write_is_never_retried_after_a_timeout(stores) -> None:
    script = await stores(store_1=[time_out], store_2=[answer(200, OK_PUT)], store_3=[refuse])
    with pytest.raises(StoreTimeout):
        await gateway(script).put("k", "v")
    assert script.seen == ["store-1"]


async def test_write_is_never_retried_after_an_etcd_error(stores) -> None:
    no_leader = answer(503, {"error": "etcdserver: no leader", "code": 14})
    script = await stores(store_1=[no_leader], store_2=[answer(200, OK_PUT)], store_3=[refuse])
    with pytest.raises(StoreUnavailable, match="no leader"):
        await gateway(script).delete("k")
    assert script.seen == ["store-1"]


async def test_write_is_never_retried_after_the_connection_broke_mid_call(stores) -> None:
    script = await stores(store_1=[hang_up], store_2=[answer(200, OK_PUT)], store_3=[refuse])
    with pytest.raises(StoreUnavailable, match="failed mid-call"):
        await gateway(script).put("k", "v")
    assert script.seen == ["store-1"]
    assert script.members["store-1"].calls == 1  # sent once: the client did not resend it


async def test_read_is_retried_after_the_connection_broke_mid_call(stores) -> None:
    script = await stores(store_1=[hang_up], store_2=[answer(200, OK_RANGE)], store_3=[refuse])
    found, _ = await gateway(script).get("k")
    assert found is not None
    assert script.seen == ["store-1", "store-2"]


async def test_a_full_endpoint_pool_fails_over_because_nothing_was_sent(stores) -> None:
    # One connection per endpoint, held by a call store-1 never answers: the write that
    # waits for that slot is never sent, so it may go to store-2.
    script = await stores(
        per_endpoint=1, store_1=[time_out], store_2=[answer(200, OK_PUT)], store_3=[refuse]
    )
    patient = EtcdGateway(script.transport, [script.url("store-1")], timeout=5, read_retries=0)
    stuck = asyncio.create_task(patient.put("stuck", "v"))
    while script.members["store-1"].calls == 0:
        await asyncio.sleep(0.005)
    assert await gateway(script).put("k", "v") == 8
    assert script.seen == ["store-1", "store-1", "store-2"]
    stuck.cancel()
    with suppress(asyncio.CancelledError):
        await stuck


async def test_read_is_retried_after_an_etcd_unavailable_error(stores) -> None:
    no_leader = answer(503, {"error": "etcdserver: no leader", "code": 14})
    script = await stores(store_1=[no_leader], store_2=[answer(200, OK_RANGE)], store_3=[refuse])
    found, _ = await gateway(script).get("k")
    assert found is not None


async def test_all_endpoints_refusing_is_unavailable(stores) -> None:
    script = await stores(store_1=[refuse], store_2=[refuse], store_3=[refuse])
    with pytest.raises(StoreUnavailable, match="no store endpoint accepted a connection"):
        await gateway(script, retries=0).get("k")
    assert script.seen == ["store-1", "store-2", "store-3"]


async def test_nospace_alarm_is_store_full_and_not_retried(stores) -> None:
    nospace = answer(
        429,
        {
            "error": "etcdserver: mvcc: database space exceeded",
            "message": "etcdserver: mvcc: database space exceeded",
            "code": 8,
        },
    )
    script = await stores(store_1=[nospace], store_2=[answer(200, OK_PUT)], store_3=[refuse])
    with pytest.raises(StoreFull):
        await gateway(script).put("k", "v")
    assert script.seen == ["store-1"]


async def test_client_errors_are_not_retried(stores) -> None:
    script = await stores(store_1=[answer(400, {"error": "bad request"})], store_2=[], store_3=[])
    with pytest.raises(StoreError) as raised:
        await gateway(script).get("k")
    assert type(raised.value) is StoreError
    assert script.seen == ["store-1"]


async def test_every_attempt_is_observed_with_its_outcome(stores) -> None:
    observed: list = []
    script = await stores(store_1=[refuse], store_2=[time_out], store_3=[answer(200, {})])
    found, _ = await gateway(script, observed).get("k")
    assert found is None
    assert [(op, outcome) for op, outcome, _ in observed] == [
        ("get", "unavailable"),
        ("get", "timeout"),
        ("get", "not_found"),
    ]


async def test_find_leader_prefers_an_endpoint_that_sees_one(stores) -> None:
    script = await stores(
        store_1=[answer(200, {"leader": "0"})],
        store_2=[answer(200, {"leader": "99", "raftTerm": "4"})],
        store_3=[refuse],
    )
    client = gateway(script, leader_grace=10.0)  # store-1 answers, however slow the machine
    status = await client.find_leader()
    assert (status.endpoint, status.leader, status.raft_term) == (script.url("store-2"), 99, 4)
    assert client.preferred_endpoint == script.url("store-2")


async def test_find_leader_does_not_wait_for_a_member_that_hangs(stores) -> None:
    # A paused member accepts the connection and never answers. Readiness must not wait for
    # its timeout (here 10 s) once another member sees the leader: HAProxy's check gives up
    # after 400 ms, and one sick member would take every instance out of rotation.
    script = await stores(store_1=[time_out], store_2=[answer(200, {"leader": "99"})],
                          store_3=[refuse])
    client = gateway(script, timeout=10.0, leader_grace=0.05)
    started = asyncio.get_running_loop().time()
    status = await client.find_leader()
    assert status.endpoint == script.url("store-2")
    assert asyncio.get_running_loop().time() - started < 5.0
    # It did not answer "no leader", it did not answer at all: it stays preferred, and the
    # data path's own failover moves past it if a call to it times out.
    assert client.preferred_endpoint == script.url("store-1")


async def test_find_leader_takes_the_preferred_members_own_answer(stores) -> None:
    script = await stores(store_1=[answer(200, {"leader": "7", "raftTerm": "2"})],
                          store_2=[answer(200, {"leader": "7", "raftTerm": "2"})],
                          store_3=[answer(200, {"leader": "7", "raftTerm": "2"})])
    client = gateway(script, leader_grace=10.0)
    assert (await client.find_leader()).endpoint == script.url("store-1")
    assert client.preferred_endpoint == script.url("store-1")


async def test_find_leader_fails_when_nobody_sees_one(stores) -> None:
    script = await stores(
        store_1=[answer(200, {"leader": "0"})], store_2=[refuse], store_3=[time_out]
    )
    with pytest.raises(StoreUnavailable, match="no store endpoint sees a leader"):
        await gateway(script).find_leader()


@pytest.mark.parametrize(
    ("prefix", "end"),
    [(b"a/", b"a0"), (b"a\xff", b"b"), (b"\xff\xff", b"\0"), (b"", b"\0")],
)
def test_prefix_range_end(prefix: bytes, end: bytes) -> None:
    assert prefix_range_end(prefix) == end


async def test_timeout_is_503_with_retry_after(make_client, stores) -> None:
    script = await stores(store_1=[time_out])
    async with make_client(
        transport=AiohttpTransport(),
        store_endpoints=[script.url("store-1")],
        store_read_retries=0,
        store_timeout=0.2,
    ) as client:
        response = await client.get("/kv/k")
        write = await client.put("/kv/k", json={"value": "v"})
    for failed in (response, write):
        assert failed.status_code == 503
        assert failed.headers["Retry-After"] == "1"
        assert failed.json()["error"] == "store_unavailable"


async def test_nospace_is_503_store_full(make_client, stores) -> None:
    nospace = answer(429, {"message": "etcdserver: mvcc: database space exceeded", "code": 8})
    script = await stores(store_1=[nospace])
    async with make_client(
        transport=AiohttpTransport(), store_endpoints=[script.url("store-1")]
    ) as client:
        response = await client.put("/kv/k", json={"value": "v"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert response.json()["error"] == "store_full"


async def test_without_a_leader_reads_and_writes_fail_at_once_but_serializable_reads_serve(
        make_client, fake_etcd) -> None:
    async with make_client() as client:
        assert (await client.put("/kv/k", json={"value": "v"})).status_code == 200
        fake_etcd.leader = 0
        write = await client.put("/kv/k", json={"value": "w"})
        read = await client.get("/kv/k")
        stale = await client.get("/kv/k", params={"consistency": "serializable"})
    for failed in (write, read):
        assert failed.status_code == 503
        assert failed.json()["error"] == "store_unavailable"
    assert stale.status_code == 200 and stale.json()["value"] == "v"


async def test_readyz_follows_the_leader(make_client, fake_etcd) -> None:
    async with make_client() as client:
        assert (await client.get("/readyz")).status_code == 200
        fake_etcd.leader = 0
        await asyncio.sleep(0.3)  # past the 250 ms cache of a ready answer
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["ready"] is False
