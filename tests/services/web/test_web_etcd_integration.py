"""Round trips against a real single-node etcd, and the 503 when it goes away."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry

from services.web.app import create_app
from services.web.local_etcd import LocalEtcd, free_port
from services.web.settings import WebSettings

pytestmark = pytest.mark.skipif(
    shutil.which("etcd") is None and not Path("/usr/bin/etcd").exists(),
    reason="needs the etcd binary",
)


@pytest.fixture
def etcd(tmp_path: Path) -> Iterator[LocalEtcd]:
    server = LocalEtcd(tmp_path / "etcd")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def web(etcd: LocalEtcd) -> AsyncIterator[httpx.AsyncClient]:
    settings = WebSettings(name="web-it", store_endpoints=[etcd.endpoint], store_read_retries=1)
    app = create_app(settings, CollectorRegistry())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://web") as client:
            yield client


async def test_put_get_delete_round_trip(web: httpx.AsyncClient) -> None:
    put = await web.put("/kv/orders/42", json={"value": "pending ✓"})
    assert put.status_code == 200
    revision = put.json()["revision"]

    got = await web.get("/kv/orders/42")
    assert got.json()["value"] == "pending ✓"
    assert got.json()["revision"] == got.json()["mod_revision"] == revision
    assert got.json()["version"] == 1

    overwrite = await web.put("/kv/orders/42", json={"value": "shipped"})
    assert overwrite.json()["revision"] > revision
    stale_ok = await web.get("/kv/orders/42", params={"consistency": "serializable"})
    assert stale_ok.json()["value"] == "shipped" and stale_ok.json()["version"] == 2

    assert (await web.delete("/kv/orders/42")).status_code == 200
    assert (await web.get("/kv/orders/42")).status_code == 404
    assert (await web.delete("/kv/orders/42")).status_code == 404


async def test_list_by_prefix(web: httpx.AsyncClient) -> None:
    for key in ("a/1", "a/2", "a/3", "ab", "b/1"):
        await web.put(f"/kv/{key}", json={"value": f"value of {key}"})

    prefixed = (await web.get("/kv", params={"prefix": "a/"})).json()
    assert [item["key"] for item in prefixed["items"]] == ["a/1", "a/2", "a/3"]
    assert prefixed["count"] == 3 and prefixed["more"] is False

    limited = (await web.get("/kv", params={"prefix": "a", "limit": 2})).json()
    assert [item["key"] for item in limited["items"]] == ["a/1", "a/2"]
    assert limited["more"] is True

    everything = (await web.get("/kv")).json()
    assert everything["count"] == 5


async def test_stopped_store_is_503_with_retry_after(
    web: httpx.AsyncClient, etcd: LocalEtcd
) -> None:
    assert (await web.get("/readyz")).status_code == 200
    etcd.stop()
    await asyncio.sleep(0.3)  # past the readiness cache

    for response in (
        await web.get("/kv/k"),
        await web.put("/kv/k", json={"value": "v"}),
        await web.get("/kv"),
    ):
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "1"
        assert response.json()["error"] == "store_unavailable"
    assert (await web.get("/readyz")).status_code == 503
    assert (await web.get("/healthz")).status_code == 200


def test_python_dash_m_serves_over_real_uvicorn(etcd: LocalEtcd, tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "GAMEDAY_WEB_NAME": "web-9",
        "GAMEDAY_WEB_PORT": str(port),
        "GAMEDAY_WEB_STORE_ENDPOINTS": f"http://127.0.0.1:{free_port()},{etcd.endpoint}",
        "GAMEDAY_WEB_RELEASE": "2.0.0",
    }
    log = (tmp_path / "web.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "services.web"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            pytest.fail("web did not become ready: " + (tmp_path / "web.log").read_text())

        # The first endpoint refuses connections: the call fails over to the live one.
        assert httpx.put(f"{base}/kv/x", json={"value": "1"}).status_code == 200
        assert httpx.get(f"{base}/kv/x").json()["value"] == "1"
        exposition = httpx.get(f"{base}/metrics").text
        assert 'web_build_info{release="2.0.0"} 1.0' in exposition
        assert 'store_requests_total{op="put",outcome="ok"} 1.0' in exposition
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
