"""Schemathesis over the controller's OpenAPI, in process, with the token: no 5xx, no
traceback, every 422 names its field.

The controller is the FakeController (real fault manager and drill service over the fake
runtime) with the real remediation over a fake HAProxy admin and a fake etcd gateway, so the
store moves are exercised too; its scheduler, monkey and scenario runner are the real ones.
Only the Prometheus proxy (NOT_SERVED) is left out: there is no Prometheus behind it here.
"""

from __future__ import annotations

import asyncio
import random
from types import SimpleNamespace

import httpx
import pytest
from prometheus_client import CollectorRegistry

from chaos.api.app import create_app
from chaos.controls.store import StoreAdmin
from chaos.testing.controller import FakeController
from tests.chaos.api.fuzz_harness import fuzz

TOKEN = "fuzz-token"
EXAMPLES = 2  # per operation (~30 of them): the whole file stays under a minute here
NOT_SERVED = ("/api/prom/",)
MEMBERS = {f"store-{i}": f"http://store-{i}.test" for i in (1, 2, 3)}


class FakeLb:
    """HAProxy's runtime API as the remediation uses it: server states, no sessions."""

    def __init__(self) -> None:
        self.states: dict[str, str] = {}

    async def set_state(self, server: str, state: str) -> None:
        self.states[server] = state

    async def sessions(self, server: str) -> int:
        return 0


class Healthy(dict):
    def get(self, name, default=None):
        return SimpleNamespace(healthy=True, leader=name == "store-1")

    def __getitem__(self, name):
        return self.get(name)


def etcd(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if path == "/v3/cluster/member/list":
        return httpx.Response(200, json={"members": [
            {"name": n, "ID": str(i)} for i, n in enumerate(MEMBERS, 1)]})
    if path == "/v3/maintenance/status":
        return httpx.Response(200, json={"header": {"revision": "7"}})
    if path == "/v3/maintenance/alarm":
        return httpx.Response(200, json={"alarms": []})
    return httpx.Response(200, json={})


def fuzz_controller(tmp_path) -> FakeController:
    controller = FakeController(tmp_path)
    http = httpx.AsyncClient(transport=httpx.MockTransport(etcd))
    controller.plan.component = lambda name: SimpleNamespace(url=MEMBERS.get(name, "http://x"))
    controller.health = Healthy()
    controller.with_remediation(http, StoreAdmin(http, MEMBERS, quota_bytes=1 << 20), FakeLb())
    controller.faults.rng = random.Random(5)
    return controller


@pytest.fixture
def loop():
    made = asyncio.new_event_loop()
    asyncio.set_event_loop(made)
    yield made
    made.close()
    asyncio.set_event_loop(None)


def test_the_controller_api_never_answers_5xx_under_fuzzing(tmp_path, loop):
    controller = loop.run_until_complete(asyncio.sleep(0, fuzz_controller(tmp_path)))
    app = create_app(controller, TOKEN, registry=CollectorRegistry())
    try:
        run = fuzz(app, loop, {"Authorization": f"Bearer {TOKEN}"}, EXAMPLES,
                   skip=lambda method, path: path.startswith(NOT_SERVED))
    finally:
        loop.run_until_complete(controller.close())
    assert run.calls >= 40, run.statuses
    assert run.findings == [], "\n".join(
        f"{f.operation} -> {f.status}: {f.request} :: {f.body}" for f in run.findings[:10])
    assert any(400 <= s < 500 for s in run.statuses)  # it did send bad input
