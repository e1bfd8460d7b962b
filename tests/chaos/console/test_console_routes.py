"""The console's routes without a stack: the page, its assets, the loopback-only token and
the Prometheus pass-through."""

from __future__ import annotations

from types import SimpleNamespace

import httpx
import pytest
from fastapi import FastAPI

from chaos import console
from chaos.api import prometheus_proxy

TOKEN = "s3cret"
PROMETHEUS = "http://prometheus.test:9090"


def make_app(endpoints: dict | None = None, prometheus=None) -> FastAPI:
    """The console's routes on a bare app; `prometheus` answers httpx requests (None: network)."""
    app = FastAPI()
    app.state.token = TOKEN
    known = {"prometheus": PROMETHEUS} if endpoints is None else endpoints
    transport = httpx.MockTransport(prometheus) if prometheus else None
    app.state.controller = SimpleNamespace(
        plan=SimpleNamespace(endpoints=known, reach=known.get),
        http=httpx.AsyncClient(timeout=1.0, transport=transport),
    )
    app.include_router(prometheus_proxy.router)
    console.install(app)
    return app


def client(app: FastAPI, peer: str = "127.0.0.1", host: str = "127.0.0.1:8700"):
    transport = httpx.ASGITransport(app=app, client=(peer, 50000))
    return httpx.AsyncClient(transport=transport, base_url=f"http://{host}")


@pytest.mark.parametrize("path", ["/", "/console"])
async def test_the_page_is_served_with_a_strict_policy(path):
    async with client(make_app()) as http:
        response = await http.get(path)
    assert response.status_code == 200
    assert '<script type="module" src="/console/static/js/main.js">' in response.text
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


@pytest.mark.parametrize("asset", ["js/main.js", "console.css", "vendor/uplot/uPlot.esm.js",
                                   "vendor/uplot/LICENSE"])
async def test_assets_and_the_chart_library_licence_are_served(asset):
    async with client(make_app()) as http:
        response = await http.get(f"/console/static/{asset}")
    assert response.status_code == 200, asset


@pytest.mark.parametrize("peer", ["127.0.0.1", "::1", "::ffff:127.0.0.1"])
async def test_a_loopback_client_gets_the_token(peer):
    async with client(make_app(), peer=peer) as http:
        response = await http.get("/api/console/session")
    assert response.status_code == 200
    assert response.json() == {"token": TOKEN}
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("peer", "host", "headers", "reason"),
    [
        ("10.0.0.7", "127.0.0.1:8700", {}, "not 127.0.0.1"),
        ("172.17.0.1", "localhost:8700", {}, "not 127.0.0.1"),
        # DNS rebinding: loopback peer, but the browser names the attacker's host.
        ("127.0.0.1", "evil.example:8700", {}, "evil.example"),
        ("127.0.0.1", "127.0.0.1:8700", {"sec-fetch-site": "cross-site"}, "cross-site"),
    ],
)
async def test_anyone_else_gets_403_with_the_reason(peer, host, headers, reason):
    async with client(make_app(), peer=peer, host=host) as http:
        response = await http.get("/api/console/session", headers=headers)
    assert response.status_code == 403
    assert reason in response.json()["detail"]
    assert TOKEN not in response.text


async def test_prometheus_queries_are_forwarded_with_their_params():
    seen = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(200, json={"status": "success", "data": {"result": []}})

    async with client(make_app(prometheus=answer)) as http:
        response = await http.get("/api/prom/query_range", params={
            "query": "job:http_requests:rate15s", "start": "1", "end": "61", "step": "1"})
    assert response.status_code == 200
    assert response.json()["status"] == "success"
    (url,) = seen
    assert str(url).startswith(f"{PROMETHEUS}/api/v1/query_range?")
    assert url.params["query"] == "job:http_requests:rate15s" and url.params["step"] == "1"


async def test_unknown_params_are_refused_before_prometheus_is_asked():
    async with client(make_app()) as http:
        response = await http.get("/api/prom/query", params={"query": "up", "match[]": "x"})
    assert response.status_code == 400
    assert "match[]" in response.json()["error"]


async def test_without_a_prometheus_endpoint_the_proxy_says_so():
    async with client(make_app(endpoints={})) as http:
        response = await http.get("/api/prom/query", params={"query": "up"})
    assert response.status_code == 503


async def test_an_unreachable_prometheus_is_a_502():
    async with client(make_app(endpoints={"prometheus": "http://127.0.0.1:9"})) as http:
        response = await http.get("/api/prom/query", params={"query": "up"})
    assert response.status_code == 502
    assert "does not answer" in response.json()["error"]
