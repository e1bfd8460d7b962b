"""The extension's actions against the controller's real API (FakeController behind it)."""

from __future__ import annotations

import json

import httpx
import pytest
from chaoslib.exceptions import ActivityFailed

from chaos.ctk import actions, client, probes


def test_inject_then_revert_a_pause_through_the_api(served, secrets):
    config = served.configuration
    record = actions.inject_fault("pause", "web-2", "30s", {}, configuration=config,
                                  secrets=secrets)
    assert record["state"] == "active" and record["targets"] == ["web-2"]
    runtime = served.controller.runtime
    assert runtime.status("web-2").state.value == "paused"
    assert [f["id"] for f in probes.active_faults(configuration=config)] == [record["id"]]
    assert [r["event"] for r in served.journal() if r["id"] == record["id"]][0] == "apply"

    reverted = actions.revert_fault(record["id"], configuration=config, secrets=secrets)
    assert reverted["state"] == "reverted"
    assert runtime.status("web-2").state.value == "running"
    assert probes.active_faults(configuration=config) == []


def test_abort_reverts_every_active_fault(served, secrets):
    config = served.configuration
    ids = {actions.inject_fault("pause", name, 30, configuration=config,
                                secrets=secrets)["id"] for name in ("web-1", "web-3")}
    assert set(actions.abort(configuration=config, secrets=secrets)["reverted"]) == ids
    assert probes.active_faults(configuration=config) == []
    assert all(s.state.value == "running" for s in served.controller.runtime.statuses())
    events = {(r["event"], r["id"]) for r in served.journal()}
    assert {("reverted", i) for i in ids} <= events


def test_a_refusal_names_the_status_and_the_field(served, secrets):
    with pytest.raises(ActivityFailed, match="HTTP 422.*duration"):
        actions.inject_fault("pause", "web-2", "5 parsecs", configuration=served.configuration,
                             secrets=secrets)
    with pytest.raises(ActivityFailed, match="HTTP 401"):
        actions.abort(configuration=served.configuration, secrets={"token": "wrong"})


def test_the_token_comes_from_the_state_dir_when_secrets_have_none(served, tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    (state / "token").write_text("ctk-test-token\n")
    config = {"gameday_controller_url": served.url, "gameday_state_dir": str(state)}
    assert actions.abort(configuration=config) == {"reverted": []}


def test_a_state_dir_without_a_stack_is_a_clear_error(tmp_path):
    with pytest.raises(ActivityFailed, match="no stack in .*gameday up"):
        actions.abort(configuration={"gameday_state_dir": str(tmp_path)})
    with pytest.raises(ActivityFailed, match="gameday_state_dir or gameday_controller_url"):
        client.call("GET", "/api/status", {"unrelated": 1}, None)


def recording(answers: dict[tuple[str, str], tuple[int, object]]):
    seen: list[tuple[str, str, dict | None, str | None]] = []

    def handle(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        seen.append((request.method, request.url.path, body,
                     request.headers.get("authorization")))
        status, payload = answers[(request.method, request.url.path)]
        return httpx.Response(status, json=payload)

    return seen, httpx.MockTransport(handle)


CONFIG = {"gameday_controller_url": "http://controller.test"}


def test_operator_moves_call_their_routes():
    seen, transport = recording({
        ("POST", "/api/scale"): (200, {"web": 4}),
        ("POST", "/api/components/web-2/drain"): (200, {"state": "running"}),
        ("POST", "/api/components/web-2/ready"): (200, {"state": "running"}),
        ("POST", "/api/components/web-1/rollback"): (200, {"state": "running"}),
    })
    client.use_transport(transport)
    secrets = {"token": "t"}
    actions.scale_web(4, configuration=CONFIG, secrets=secrets)
    actions.drain("web-2", configuration=CONFIG, secrets=secrets)
    actions.ready("web-2", configuration=CONFIG, secrets=secrets)
    actions.rollback("web-1", configuration=CONFIG, secrets=secrets)
    assert seen == [
        ("POST", "/api/scale", {"role": "web", "count": 4}, "Bearer t"),
        ("POST", "/api/components/web-2/drain", None, "Bearer t"),
        ("POST", "/api/components/web-2/ready", None, "Bearer t"),
        ("POST", "/api/components/web-1/rollback", None, "Bearer t"),
    ]


def test_scale_beyond_the_slots_fails_with_the_controllers_reason():
    _, transport = recording({("POST", "/api/scale"): (409, {"detail": "at most 5 web"})})
    client.use_transport(transport)
    with pytest.raises(ActivityFailed, match="409: at most 5 web"):
        actions.scale_web(9, configuration=CONFIG)


def test_run_scenario_polls_until_the_verdict(monkeypatch):
    monkeypatch.setattr(actions, "RUN_POLL_SECONDS", 0.0)
    states = iter(["running", "recovering", "finished"])

    def handle(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            assert json.loads(request.content)["scenario"] == "web-instance-crash"
            return httpx.Response(201, json={"id": "r1", "state": "checking",
                                             "planned_seconds": 40})
        assert request.url.path == "/api/runs/r1"
        state = next(states)
        return httpx.Response(200, json={"id": "r1", "state": state,
                                         "verdict": "passed" if state == "finished" else None})

    client.use_transport(httpx.MockTransport(handle))
    run = actions.run_scenario("web-instance-crash", configuration=CONFIG)
    assert run["verdict"] == "passed"
    with pytest.raises(StopIteration):
        next(states)
