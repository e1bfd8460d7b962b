"""The controller's HTTP API over the fake runtime: status codes, auth and error shapes."""

from __future__ import annotations

import pytest

from chaos.testing.api import controller_client
from chaos.testing.controller import FakeController

TOKEN = "s3cret"


@pytest.fixture
async def client(tmp_path):
    controller = FakeController(tmp_path)
    async with controller_client(controller, TOKEN) as made:
        yield made
        await controller.close()


async def test_inject_answers_201_with_resolved_targets_and_deadline(client):
    response = await client.post(
        "/api/faults", json={"type": "pause", "target": "web:count=2", "duration": "30s"}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert len(body["targets"]) == 2 and body["state"] == "active"
    assert body["deadline"] == pytest.approx(body["created_at"] + 30, abs=1)
    listed = (await client.get("/api/faults")).json()
    assert [f["id"] for f in listed] == [body["id"]]
    deleted = await client.delete(f"/api/faults/{body['id']}")
    assert deleted.json()["state"] == "reverted"


async def test_mutations_need_the_token(client):
    del client.headers["Authorization"]
    response = await client.post("/api/faults", json={"type": "kill", "target": "web-1"})
    assert response.status_code == 401
    assert (await client.post("/api/abort")).status_code == 401
    assert (await client.get("/api/faults")).status_code == 200  # reading is open


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"type": "nope", "target": "web-1"}, 404, None),
        ({"type": "kill", "target": "nowhere"}, 404, None),
        ({"type": "latency", "target": "web-1", "params": {"ms": "fast"}}, 422, "params.ms"),
        ({"type": "kill", "target": "web-1", "duration": "forever"}, 422, "duration"),
        ({"type": "kill", "target": "web-1", "probability": 2}, 422, "probability"),
        ({"target": "web-1"}, 422, "type"),
        ({"type": "slow-disk", "target": "store-1"}, 409, None),
    ],
)
async def test_bad_requests_get_clear_errors_never_500(client, body, status, field):
    response = await client.post("/api/faults", json=body)
    assert response.status_code == status, response.text
    payload = response.json()
    assert isinstance(payload["detail"], str) and payload["detail"]
    if field:
        assert field in [e["field"] for e in payload["errors"]]


async def test_abort_reverts_all(client):
    for target in ("web-1", "web-2"):
        await client.post("/api/faults", json={"type": "pause", "target": target})
    response = await client.post("/api/abort")
    assert len(response.json()["reverted"]) == 2
    assert (await client.get("/api/faults?state=active")).json() == []


async def test_catalog_lists_every_type_with_schema_and_support(client):
    catalog = {e["type"]: e for e in (await client.get("/api/catalog")).json()}
    expected = {
        "kill",
        "stop",
        "restart",
        "pause",
        "latency",
        "loss",
        "blackhole",
        "bandwidth",
        "partition",
        "http-errors",
        "http-latency",
        "cpu-burn",
        "memory-leak",
        "bad-deploy",
        "disk-fill",
        "slow-disk",
    }
    assert expected <= set(catalog)
    assert catalog["latency"]["params"]["properties"]["ms"]["type"] == "number"
    assert catalog["slow-disk"]["supported_here"] is False and catalog["slow-disk"]["reason"]
    assert catalog["kill"]["roles"] == ["lb", "loadgen", "store", "web"]


async def test_metrics_show_active_faults_and_outcomes(client):
    created = (await client.post("/api/faults", json={"type": "pause", "target": "web-2"})).json()
    text = (await client.get("/metrics")).text
    assert 'chaos_faults_active{target="web-2",type="pause"} 1.0' in text
    assert 'chaos_fault_injections_total{outcome="applied",type="pause"} 1.0' in text
    await client.delete(f"/api/faults/{created['id']}")
    text = (await client.get("/metrics")).text
    assert 'chaos_faults_active{target="web-2"' not in text
    assert 'chaos_fault_reverts_total{outcome="ok",type="pause"} 1.0' in text
    assert 'chaos_fault_last_event_timestamp_seconds{edge="end",type="pause"}' in text


async def test_metrics_count_remediation_moves_by_action(tmp_path):
    controller = FakeController(tmp_path)
    async with controller_client(controller, TOKEN) as client:
        await _moves_are_counted(client, controller)
    await controller.close()


async def _moves_are_counted(client, controller):
    # Every action at 0 before any move, so the first one is an increase, not a new series.
    before = (await client.get("/metrics")).text
    assert 'chaos_remediation_moves_total{action="drain"} 0.0' in before
    controller.remediation.actions.extend([{"ts": 1.0, "action": "drain", "component": "web-2"},
                                           {"ts": 2.0, "action": "ready", "component": "web-2"},
                                           {"ts": 3.0, "action": "drain", "component": "web-3"}])
    text = (await client.get("/metrics")).text
    assert 'chaos_remediation_moves_total{action="drain"} 2.0' in text
    assert 'chaos_remediation_moves_total{action="ready"} 1.0' in text


async def test_openapi_is_served(client):
    spec = (await client.get("/openapi.json")).json()
    assert "/api/faults" in spec["paths"] and "/api/catalog" in spec["paths"]
