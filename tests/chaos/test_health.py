"""The controller's health probes, over real 127.0.0.1 sockets: an aiohttp server plays a web
instance and etcd members (answers as etcd 3.4's JSON gateway gives them), a bound socket
that does not listen refuses, and a server that never answers times out."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator

import pytest
from aiohttp import web

from chaos.health import ClusterHealth, Health, HealthProber
from chaos.stack.plan import ComponentSpec


def spec(name: str, role: str, url: str, path: str = "/healthz") -> ComponentSpec:
    return ComponentSpec(name=name, role=role, argv=["x"], url=url, health_url=url + path)


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


def etcd_member(member_id: str, leader: str, health: str = "true", status_code: int = 200
                ) -> web.Application:
    app = web.Application()

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"health": health})

    async def status(request: web.Request) -> web.Response:
        assert await request.json() == {}
        return web.json_response({"header": {"member_id": member_id}, "leader": leader},
                                 status=status_code)

    app.router.add_get("/health", healthz)
    app.router.add_post("/v3/maintenance/status", status)
    return app


def web_instance(status: int) -> web.Application:
    app = web.Application()

    async def healthz(request: web.Request) -> web.Response:
        return web.Response(text="ok", status=status)

    async def stall(request: web.Request) -> web.Response:
        await asyncio.sleep(30)
        return web.Response(text="late")

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/stall", stall)
    return app


@pytest.fixture
async def servers() -> AsyncIterator[list[web.AppRunner]]:
    runners: list[web.AppRunner] = []
    yield runners
    for runner in runners:
        await runner.cleanup()


async def start(servers: list[web.AppRunner], app: web.Application) -> str:
    runner, url = await serve(app)
    servers.append(runner)
    return url


@pytest.fixture
def refusing_url() -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))  # bound, never listening: the kernel refuses connections
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()


@pytest.fixture
async def prober() -> AsyncIterator[HealthProber]:
    # A generous timeout where a probe must succeed: a busy 2-core CI machine once took more
    # than 0.3 s over a first connection. Only the stall test below uses a short one.
    prober = HealthProber(timeout=10.0)
    yield prober
    await prober.aclose()


@pytest.fixture
async def quick_prober() -> AsyncIterator[HealthProber]:
    prober = HealthProber(timeout=0.3)
    yield prober
    await prober.aclose()


async def test_a_quorate_leader_and_a_follower(servers, prober):
    leader = await start(servers, etcd_member("11", leader="11"))
    follower = await start(servers, etcd_member("22", leader="11"))
    result = await prober.probe_all([spec("store-1", "store", leader, "/health"),
                                     spec("store-2", "store", follower, "/health")])
    assert result == {"store-1": Health(healthy=True, leader=True),
                      "store-2": Health(healthy=True, leader=False)}


async def test_a_member_without_quorum_answers_200_but_is_unhealthy(servers, prober):
    url = await start(servers, etcd_member("33", leader="0", health="false"))
    result = await prober.probe(spec("store-3", "store", url, "/health"))
    assert result.healthy is False
    assert result.detail == "HTTP 200"
    assert result.leader is False  # leader "0": no leader known


async def test_a_member_whose_status_fails_has_no_leader_answer(servers, prober):
    url = await start(servers, etcd_member("44", leader="44", status_code=503))
    result = await prober.probe(spec("store-1", "store", url, "/health"))
    assert result.healthy is True
    assert result.leader is None


async def test_web_instances_healthy_and_not(servers, prober):
    ok = await start(servers, web_instance(200))
    sick = await start(servers, web_instance(503))
    result = await prober.probe_all([spec("web-1", "web", ok), spec("web-2", "web", sick)])
    assert result["web-1"] == Health(healthy=True)
    assert result["web-2"] == Health(healthy=False, detail="HTTP 503")
    assert result["web-1"].leader is None


async def test_a_refused_probe_is_unhealthy_as_refused_not_timed_out(prober, refusing_url):
    # The generous prober: a refusal must be told from a timeout even when a busy machine
    # takes longer than a short timeout to run the event loop (a fresh-clone run saw 0.3 s).
    result = await prober.probe(spec("web-1", "web", refusing_url))
    assert result.healthy is False
    assert result.detail.startswith("Client")  # ClientConnectorError: refused


async def test_refused_and_stalled_probes_are_unhealthy_within_the_timeout(
        servers, quick_prober, refusing_url):
    stalling = await start(servers, web_instance(200))
    started = asyncio.get_running_loop().time()
    result = await quick_prober.probe_all([
        spec("web-1", "web", refusing_url),
        ComponentSpec(name="web-2", role="web", argv=["x"], url=stalling,
                      health_url=stalling + "/stall"),
    ])
    elapsed = asyncio.get_running_loop().time() - started
    assert result["web-1"].healthy is False  # refused, or timed out on a busy machine
    assert result["web-2"] == Health(healthy=False, detail="TimeoutError")
    assert elapsed < 2.0  # the 0.3 s probe timeout, not the 30 s stall


async def test_a_refused_store_member_has_neither_health_nor_leader(prober, refusing_url):
    result = await prober.probe(spec("store-2", "store", refusing_url, "/health"))
    assert result.healthy is False
    assert result.leader is None


async def test_the_session_reopens_after_close(servers, prober):
    url = await start(servers, web_instance(200))
    assert (await prober.probe(spec("web-1", "web", url))).healthy
    await prober.aclose()
    assert (await prober.probe(spec("web-1", "web", url))).healthy


def test_cluster_health_needs_every_enabled_component_and_one_leader():
    view = ClusterHealth(lambda: ["store-1", "web-1"])
    view.health = {"store-1": Health(healthy=True, leader=True), "web-1": Health(healthy=True)}
    assert view.all_healthy() and view.leader() == "store-1"
    view.health["web-1"] = Health(healthy=False, detail="HTTP 503")
    assert not view.all_healthy() and not view.healthy("web-1")
    view.health = {"store-1": Health(healthy=True, leader=True),
                   "store-2": Health(healthy=True, leader=True), "web-1": Health(healthy=True)}
    assert view.leader() is None  # two claimants: no single leader
