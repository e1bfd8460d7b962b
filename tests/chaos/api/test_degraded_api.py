"""The controller's API on a degraded stack: a move that cannot be made everywhere says what
it did and what it could not do (naming the member), never a bare 500."""

from __future__ import annotations

import random
from types import SimpleNamespace

import httpx
import pytest

from chaos.controls.store import StoreAdmin
from chaos.drills import incidents
from chaos.testing.api import controller_client
from chaos.testing.controller import FakeController

TOKEN = "s3cret"
MEMBERS = {"store-1": "http://store-1.test", "store-2": "http://store-2.test",
           "store-3": "http://store-3.test"}


def etcd_with_a_member_down(down: set[str], alarms: list[dict] | None = None):
    """An etcd JSON gateway per member; the members in `down` refuse connections."""
    seen: list[str] = []
    alarms = list(alarms or [])

    def handle(request: httpx.Request) -> httpx.Response:
        member = request.url.host.split(".")[0]
        seen.append(f"{member} {request.url.path}")
        if member in down:
            raise httpx.ConnectError("connection refused", request=request)
        path = request.url.path
        if path == "/v3/maintenance/status":
            return httpx.Response(200, json={"header": {"revision": "42"}})
        if path == "/v3/maintenance/alarm":
            body = request.read()
            if b'"GET"' in body:
                return httpx.Response(200, json={"alarms": alarms})
            alarms.clear()
            return httpx.Response(200, json={})
        return httpx.Response(200, json={})

    return httpx.AsyncClient(transport=httpx.MockTransport(handle)), seen


@pytest.fixture
async def degraded(tmp_path):
    """A controller whose store admin talks to three members, with the real remediation."""
    controller = FakeController(tmp_path)
    controller.plan.component = lambda name: SimpleNamespace(url=MEMBERS[name])

    async def connect(down: set[str], alarms=None):
        http, seen = etcd_with_a_member_down(down, alarms)
        controller.with_remediation(http, StoreAdmin(http, MEMBERS, quota_bytes=1 << 20))
        return seen

    async with controller_client(controller, TOKEN) as client:
        yield client, connect
    await controller.close()


@pytest.mark.parametrize("down", ["store-1", "store-2"])
async def test_defrag_with_a_member_down_names_it_and_does_the_rest(degraded, down):
    client, connect = degraded
    seen = await connect({down})
    response = await client.post("/api/store/defrag")
    assert response.status_code == 503, response.text
    body = response.json()
    assert down in body["detail"] and "Traceback" not in response.text
    assert {e["field"] for e in body["errors"]} == {f"members.{down}"}
    # the members that answer were still compacted and defragmented
    for member in set(MEMBERS) - {down}:
        assert f"{member} /v3/maintenance/defragment" in seen


async def test_defrag_with_every_member_up_answers_200(degraded):
    client, connect = degraded
    await connect(set())
    response = await client.post("/api/store/defrag")
    assert response.status_code == 200, response.text
    assert response.json()["action"] == "store-defrag"


async def test_disarm_with_the_first_member_down_goes_through_another(degraded):
    client, connect = degraded
    await connect({"store-1"}, alarms=[{"memberID": "7", "alarm": "NOSPACE"}])
    response = await client.post("/api/store/disarm")
    assert response.status_code == 200, response.text


async def test_disarm_with_every_member_down_is_a_503_naming_them(degraded):
    client, connect = degraded
    await connect(set(MEMBERS))
    response = await client.post("/api/store/disarm")
    assert response.status_code == 503, response.text
    assert all(m in response.json()["detail"] for m in MEMBERS)


async def test_move_leader_to_an_unreachable_leader_is_a_503(degraded):
    client, connect = degraded
    await connect({"store-1"})  # the fake controller's leader
    response = await client.post("/api/store/move-leader", json={"to": "store-2"})
    assert response.status_code == 503, response.text
    assert "store-1" in response.json()["detail"]


async def test_scale_without_haproxy_is_a_503_not_a_500(degraded):
    client, connect = degraded
    await connect(set())
    response = await client.post("/api/scale", json={"role": "web", "count": 2})
    assert response.status_code == 503, response.text
    assert "HAProxy" in response.json()["detail"]


TOP = incidents.Topology(webs=["web-1", "web-2", "web-3"],
                         stores=["store-1", "store-2", "store-3"], leader="store-1")


async def test_a_drill_whose_incident_cannot_be_set_up_is_refused_and_leaves_nothing(tmp_path):
    controller = FakeController(tmp_path)
    seed = next(s for s in range(500)
                if incidents.pick("easy", TOP, random.Random(s)).name == "crashed-web")
    controller.runtime.fail_next["kill"] = RuntimeError("no such process")
    async with controller_client(controller, TOKEN) as client:
        response = await client.post("/api/drills", json={"difficulty": "easy", "seed": seed})
        assert response.status_code in (409, 502, 503), response.text
        assert "could not set up" in response.json()["detail"]
        assert (await client.get("/api/faults?state=active")).json() == []
        again = await client.post("/api/drills", json={"difficulty": "easy", "seed": seed})
        assert again.status_code == 201, again.text  # nothing stuck: a new drill can start
    await controller.close()


async def test_an_unexpected_error_is_a_json_500_without_a_traceback(tmp_path):
    controller = FakeController(tmp_path)

    def explode():
        raise RuntimeError("secret internals at /some/path.py line 3")

    controller.drills.history = explode
    async with controller_client(controller, TOKEN) as client:
        response = await client.get("/api/drills/history")
    assert response.status_code == 500
    body = response.json()
    assert "detail" in body and "Traceback" not in response.text
    assert "/some/path.py" not in response.text
    await controller.close()


async def test_a_drill_the_stack_is_too_small_for_is_a_409_naming_why(tmp_path):
    """A hard incident needs two web instances besides its target; scaled to one, the drill
    cannot be set up: that is a refusal, not a crash."""
    controller = FakeController(tmp_path)
    for name in ("web-2", "web-3"):
        controller.runtime.set_enabled(name, False)
    small = incidents.Topology(webs=["web-1"], stores=TOP.stores, leader="store-1")
    seed = None
    for candidate in range(200):
        try:
            incidents.pick("hard", small, random.Random(candidate))
        except ValueError:
            seed = candidate
            break
    assert seed is not None, "every hard incident fits one web instance now"
    async with controller_client(controller, TOKEN) as client:
        response = await client.post("/api/drills", json={"difficulty": "hard", "seed": seed})
        assert response.status_code == 409, response.text
        assert "web" in response.json()["detail"]
        assert (await client.get("/api/drills/current")).status_code == 404
    await controller.close()
