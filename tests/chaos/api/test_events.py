"""The event timeline over the fake controller: faults, the component's exit and restart, the
page and its acknowledgement, in order; nothing of a running drill's fault until the reveal."""

from __future__ import annotations

import random
import time

import httpx
import pytest

from chaos.drills import incidents
from chaos.testing.api import served_fake
from chaos.testing.drills import TOPOLOGY as TOP
from chaos.testing.drills import seed_for
from tests.chaos.pager.test_pager_store import notification

TOKEN = "s3cret"


@pytest.fixture
async def setup(tmp_path):
    async with served_fake(tmp_path, TOKEN) as served:
        yield served


def kinds(events: list[dict]) -> list[str]:
    return [e["kind"] for e in events]


async def test_a_kill_its_exit_restart_and_page_in_order(setup):
    controller, client = setup
    injected = await client.post("/api/faults", json={"type": "kill", "target": "web-2",
                                                      "duration": "1m"})
    assert injected.status_code == 201, injected.text
    controller.runtime.tick(time.monotonic() + 60)  # the supervisor's backoff is over
    controller.pager.receive(notification())
    page = next(iter(controller.pager.pages))
    assert (await client.post(f"/api/pages/{page}/ack")).status_code == 200
    await client.delete(f"/api/faults/{injected.json()['id']}")

    events = (await client.get("/api/events", params={"since": "5m"})).json()
    assert kinds(events) == ["fault.injected", "component.exit", "component.restart",
                             "page.fired", "page.acked", "fault.reverted"]
    assert [e["component"] for e in events[:3]] == ["web-2"] * 3
    # The user injected and acked; the supervisor, the pager and the revert are the controller's.
    assert [e["actor"] for e in events] == ["user", "controller", "controller", "controller",
                                            "user", "controller"]
    assert events[1]["summary"] == "web-2 exited: killed by SIGKILL (fault)"
    assert events[0]["ref"] == injected.json()["id"] and events[3]["ref"] == page
    assert [e["ts"] for e in events] == sorted(e["ts"] for e in events)
    only = (await client.get("/api/events", params={"source": ["page"]})).json()
    assert kinds(only) == ["page.fired", "page.acked"]


async def test_a_running_drill_shows_the_symptom_never_the_fault(setup):
    controller, client = setup
    seed = seed_for("easy", "crashed-web")
    target = incidents.pick("easy", TOP, random.Random(seed)).components[0]
    started = await client.post("/api/drills", json={"difficulty": "easy", "seed": seed})
    assert started.status_code == 201, started.text

    during = (await client.get("/api/events")).json()
    text = str(during)
    assert "fault." not in text and "kill" not in text.lower() and "(fault)" not in text
    assert kinds(during) == ["drill.started", "component.exit"]
    assert during[1]["component"] == target
    assert during[1]["summary"] == f"{target} exited: terminated by signal 9"

    await client.post("/api/drills/current/reveal")
    after = (await client.get("/api/events")).json()
    actors = {e["kind"]: e["actor"] for e in after}
    assert actors["fault.injected"] == "drill" and actors["drill.ended"] == "drill"
    assert actors["drill.started"] == "user"


@pytest.mark.parametrize("since", ["soon", "-5m", ""])
async def test_a_bad_since_is_a_422_naming_it(setup, since):
    _, client = setup
    response = await client.get("/api/events", params={"since": since})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "since"
    assert "30s" in response.json()["detail"]  # the allowed form


async def test_kind_component_and_source_filter_the_timeline(setup):
    controller, client = setup
    injected = await client.post("/api/faults", json={"type": "kill", "target": "web-2",
                                                      "duration": "1m"})
    assert injected.status_code == 201, injected.text
    controller.runtime.tick(time.monotonic() + 60)
    controller.pager.receive(notification())
    await client.delete(f"/api/faults/{injected.json()['id']}")

    def get(**params):
        return client.get("/api/events", params={"since": "5m", **params})

    assert kinds((await get(kind="fault")).json()) == ["fault.injected", "fault.reverted"]
    assert kinds((await get(kind=["component.restart", "page"])).json()) == \
        ["component.restart", "page.fired"]
    about = (await get(component="web-2")).json()
    assert kinds(about) == ["fault.injected", "component.exit", "component.restart",
                            "fault.reverted"]
    assert all(e["components"] == ["web-2"] for e in about)
    assert (await get(component="web-1")).json() == []
    assert kinds((await get(kind="component", source="page")).json()) == []
    exit_ = next(e for e in about if e["kind"] == "component.exit")
    assert exit_["details"] == {"exit": "killed by SIGKILL (fault)"} and "key" not in exit_


@pytest.mark.parametrize(("field", "value", "allowed"), [
    ("kind", "faults", "fault.injected"), ("kind", "fault.", "page.fired"),
    ("component", "web-9", "web-2")])
async def test_an_unknown_kind_or_component_is_a_422_naming_the_field_and_the_choices(
        setup, field, value, allowed):
    _, client = setup
    response = await client.get("/api/events", params={field: value})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
    assert value in response.json()["detail"] and allowed in response.json()["detail"]


async def test_the_log_outlives_the_controller_and_is_not_written_twice(tmp_path):
    async with served_fake(tmp_path, TOKEN) as (controller, client):
        controller.pager.receive(notification())
        first = (await client.get("/api/events")).json()
        moves = controller.remediation.actions  # in memory only: the log keeps them
        moves.append({"ts": time.time(), "action": "restart", "component": "web-1"})
        assert kinds((await client.get("/api/events")).json()) == \
            ["page.fired", "remediation.restart"]
    async with served_fake(tmp_path, TOKEN) as (_, client):
        again = (await client.get("/api/events")).json()
    assert kinds(again) == ["page.fired", "remediation.restart"]
    assert again[0] == first[0]
    lines = (tmp_path / "events.jsonl").read_text().splitlines()
    assert len(lines) == 2


async def test_a_drills_hints_answers_and_reveal_are_on_the_timeline(setup):
    _, client = setup
    started = await client.post("/api/drills", json={"difficulty": "easy",
                                                     "seed": seed_for("easy", "crashed-web")})
    assert started.status_code == 201, started.text
    assert (await client.post("/api/drills/current/hint")).status_code == 200
    answered = await client.post("/api/drills/current/answer",
                                 json={"component": "store-1", "cause": "disk-full"})
    assert answered.status_code == 200, answered.text
    during = (await client.get("/api/events", params={"kind": "drill"})).json()
    assert kinds(during) == ["drill.started", "drill.hint", "drill.answer"]
    assert [e["actor"] for e in during] == ["user", "user", "user"]
    assert "store-1 / disk-full" in during[2]["summary"]
    await client.post("/api/drills/current/reveal")
    after = kinds((await client.get("/api/events", params={"kind": "drill"})).json())
    assert sorted(after[-2:]) == ["drill.ended", "drill.revealed"]  # the same moment


async def test_a_load_change_the_load_generator_took_is_on_the_timeline(setup):
    controller, client = setup
    controller.plan.endpoints = {**controller.plan.endpoints, "loadgen": "http://loadgen.invalid"}
    answers = iter([200, 422])

    def loadgen(request: httpx.Request) -> httpx.Response:
        return httpx.Response(next(answers), json={"ok": True})

    shared, controller.http = controller.http, httpx.AsyncClient(
        transport=httpx.MockTransport(loadgen))
    try:
        assert (await client.post("/api/load", json={"rate": 100})).status_code == 200
        assert (await client.post("/api/load", json={"rate": 5})).status_code == 422
    finally:
        await controller.http.aclose()
        controller.http = shared
    changed = (await client.get("/api/events", params={"kind": "load"})).json()
    # Only the change the load generator took; a refused one changed nothing.
    assert [(e["kind"], e["component"], e["details"]) for e in changed] == [
        ("load.changed", "loadgen", {"rate": 100.0})]
