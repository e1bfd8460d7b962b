"""Quiet mode (a drill runs): the instance exports no series naming a fault, the fault still
works, and the series come back with quiet off."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest


def fault_series(registry: CollectorRegistry) -> list[str]:
    return [line for line in generate_latest(registry).decode().splitlines()
            if line.startswith("web_app_faults_active{")]


async def test_quiet_hides_the_fault_metric_but_not_the_fault(client, admin_headers,
                                                              registry) -> None:
    quiet = await client.put("/admin/quiet", json={"quiet": True}, headers=admin_headers)
    assert quiet.status_code == 200 and quiet.json() == {"quiet": True}
    applied = await client.post("/admin/faults", headers=admin_headers, json={
        "id": "f-1", "type": "http-errors", "params": {"status": 503, "probability": 1.0}})
    assert applied.status_code == 201, applied.text
    assert fault_series(registry) == []
    assert "http-errors" not in generate_latest(registry).decode()
    assert (await client.get("/kv/some-key")).status_code == 503  # the fault still bites

    assert (await client.put("/admin/quiet", json={"quiet": False},
                             headers=admin_headers)).status_code == 200
    assert 'web_app_faults_active{type="http-errors"} 1.0' in fault_series(registry)


async def test_quiet_needs_the_token_and_a_boolean(client, admin_headers) -> None:
    assert (await client.put("/admin/quiet", json={"quiet": True})).status_code == 403
    bad = await client.put("/admin/quiet", json={"quiet": "maybe"}, headers=admin_headers)
    assert bad.status_code == 422
