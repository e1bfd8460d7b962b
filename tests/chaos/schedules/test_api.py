"""Schedules and monkey endpoints over the fake controller: validation, auth, shapes."""

from __future__ import annotations

import pytest

from chaos.testing.api import controller_client
from chaos.testing.controller import FakeController

TOKEN = "s3cret"


@pytest.fixture
async def controller(tmp_path):
    made = FakeController(tmp_path)  # its scheduler is the real one, over the fake runtime
    yield made
    await made.close()


@pytest.fixture
async def client(controller):
    async with controller_client(controller, TOKEN) as made:
        yield made


def fields(response) -> list[str]:
    payload = response.json()
    assert isinstance(payload["detail"], str) and payload["detail"]
    return [e["field"] for e in payload["errors"]]


async def test_schedule_add_list_delete(client):
    created = await client.post(
        "/api/schedules", json={"scenario": "web-instance-crash", "every": "10m", "jitter": "10%"}
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["every"] == 600 and body["jitter"] == "10%" and body["next_fire"] > 0
    listed = (await client.get("/api/schedules")).json()
    assert [s["id"] for s in listed] == [body["id"]] and listed[0]["last_result"] is None
    assert (await client.delete(f"/api/schedules/{body['id']}")).status_code == 200
    assert (await client.get("/api/schedules")).json() == []
    missing = await client.delete(f"/api/schedules/{body['id']}")
    assert missing.status_code == 404 and "no schedule" in missing.json()["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"scenario": "web-instance-crash", "cron": "61 * * * *"}, "cron"),
        ({"scenario": "web-instance-crash", "cron": "whenever"}, "cron"),
        ({"scenario": "web-instance-crash", "every": "often"}, "every"),
        ({"scenario": "web-instance-crash", "every": "100ms"}, "every"),
        ({"scenario": "web-instance-crash", "every": "1m", "jitter": "150%"}, "jitter"),
        ({"scenario": "web-instance-crash"}, "body"),
        ({"scenario": "web-instance-crash", "every": "1m", "cron": "* * * * *"}, "body"),
        ({"scenario": "no-such-scenario", "every": "1m"}, "scenario"),
        ({"every": "1m"}, "scenario"),
    ],
)
async def test_bad_schedules_get_422_naming_the_field(client, body, field):
    response = await client.post("/api/schedules", json=body)
    assert response.status_code == 422, response.text
    assert field in fields(response)


MONKEY = {
    "every": "2m",
    "jitter": "50%",
    "faults": "kill,pause",
    "targets": "web:all",
    "max_concurrent": 1,
    "between": "09:00-17:00",
    "weekdays": "mon-fri",
    "seed": 4,
}


async def test_monkey_start_status_stop(client):
    assert (await client.get("/api/monkey")).json()["state"]["running"] is False
    started = await client.post("/api/monkey", json=MONKEY)
    assert started.status_code == 200, started.text
    snapshot = started.json()
    assert snapshot["config"]["faults"] == ["kill", "pause"]
    assert snapshot["config"]["every"] == 120 and snapshot["config"]["between"] == "09:00-17:00"
    assert snapshot["state"]["running"] and snapshot["state"]["next_fire"]
    assert "kill/pause on web:all" in snapshot["summary"]
    stopped = (await client.delete("/api/monkey")).json()
    assert stopped["reverted"] == [] and stopped["state"]["running"] is False


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"faults": "kill,explode"}, "faults", "explode"),
        ({"faults": "http-latency"}, "faults", "needs params"),
        ({"faults": "slow-disk", "targets": "store:all"}, "faults", "not supported"),
        ({"faults": "disk-fill"}, "faults", "applies to roles"),
        ({"faults": ""}, "faults", "at least one"),
        ({"targets": "nowhere"}, "targets", "unknown target"),
        ({"targets": "web:leader"}, "targets", "store only"),
        ({"between": "25:00-10:00"}, "between", "00-23"),
        ({"between": "9am-5pm"}, "between", "HH:MM"),
        ({"weekdays": "mon-fry"}, "weekdays", "mon, tue"),
        ({"every": "sometimes"}, "every", "invalid duration"),
        ({"jitter": "120%"}, "jitter", "99%"),
        ({"max_concurrent": 0}, "max_concurrent", ""),
        ({"duration": "2h"}, "duration", "at most"),
    ],
)
async def test_bad_monkey_configs_get_422_naming_the_field(client, change, field, words):
    response = await client.post("/api/monkey", json={**MONKEY, **change})
    assert response.status_code == 422, response.text
    assert field in fields(response)
    assert words in response.json()["detail"]
    assert (await client.get("/api/monkey")).json()["state"]["running"] is False


async def test_mutations_need_the_token(client):
    del client.headers["Authorization"]
    assert (await client.post("/api/monkey", json=MONKEY)).status_code == 401
    assert (await client.delete("/api/monkey")).status_code == 401
    assert (await client.post("/api/schedules", json={"scenario": "x"})).status_code == 401
    assert (await client.delete("/api/schedules/s-1")).status_code == 401
    assert (await client.get("/api/monkey")).status_code == 200
    assert (await client.get("/api/schedules")).status_code == 200
