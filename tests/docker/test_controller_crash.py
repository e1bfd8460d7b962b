"""The controller cleans up after its own SIGKILL under Compose.

Needs a running Compose stack (`.ci/docker-e2e` runs this file against the stack it started):
GAMEDAY_DOCKER_STATE_DIR names its state dir, GAMEDAY_DOCKER_PROJECT its project (gameday).
Skipped otherwise. Root is needed to read iptables rules with nsenter.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

STATE = os.environ.get("GAMEDAY_DOCKER_STATE_DIR")
PROJECT = os.environ.get("GAMEDAY_DOCKER_PROJECT", "gameday")

pytestmark = [
    pytest.mark.skipif(not STATE, reason="needs a running Compose stack "
                       "(GAMEDAY_DOCKER_STATE_DIR; see .ci/docker-e2e)"),
    pytest.mark.skipif(os.geteuid() != 0, reason="reads iptables rules with nsenter (root)"),
    pytest.mark.slow,
]


def container(service: str) -> dict:
    ids = subprocess.run(
        ["docker", "ps", "-aq", "--filter", f"label=com.docker.compose.project={PROJECT}",
         "--filter", f"label=com.docker.compose.service={service}"],
        capture_output=True, text=True, check=True).stdout.split()
    assert ids, f"no container for {service}"
    out = subprocess.run(["docker", "inspect", ids[0]], capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out)[0]


def gameday_rules(service: str) -> list[str]:
    state = container(service)["State"]
    if not state.get("Running"):
        return []
    out = subprocess.run(["nsenter", "-t", str(state["Pid"]), "-n", "iptables", "-S"],
                         capture_output=True, text=True, check=False).stdout
    return [line for line in out.splitlines() if "gd:" in line]


def wait_for(what, check, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except (httpx.HTTPError, KeyError, ValueError):
            pass
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture()
def api():
    state = Path(STATE)
    stack = json.loads((state / "stack.json").read_text())
    token = (state / "token").read_text().strip()
    client = httpx.Client(base_url=stack["endpoints"]["controller"], timeout=10.0,
                          headers={"Authorization": f"Bearer {token}"})
    wait_for("a healthy stack", lambda: client.get("/api/status").json()["healthy"], 120)
    yield client
    client.post("/api/abort")
    client.close()


def test_sigkilled_controller_leaves_no_rule_and_no_paused_container(api):
    status = api.get("/api/status").json()
    follower = next(c["name"] for c in status["components"]
                    if c["role"] == "store" and not c["leader"])
    paused = api.post("/api/faults", json={"type": "pause", "target": "web-3",
                                            "duration": "10m"})
    assert paused.status_code == 201, paused.text
    cut = api.post("/api/faults", json={"type": "partition", "target": follower,
                                         "duration": "10m"})
    assert cut.status_code == 201, cut.text
    assert container("web-3")["State"]["Paused"] is True
    assert gameday_rules(follower), "the partition put no iptables rule in the target"

    before = container("controller")["State"]
    os.kill(before["Pid"], signal.SIGKILL)  # pid: host, so this is the controller itself

    # Docker restarts it (restart: on-failure); the new controller cleans up on start.
    wait_for("the controller restarted", lambda: (
        (st := container("controller")["State"])["Running"] and st["Pid"] != before["Pid"]), 60)
    wait_for("a healthy stack again", lambda: api.get("/api/status").json()["healthy"], 120)

    assert container("web-3")["State"]["Paused"] is False
    services = ["store-1", "store-2", "store-3", "web-1", "web-2", "web-3", "lb", "proxy"]
    assert {s: gameday_rules(s) for s in services} == {s: [] for s in services}
    records = {r["id"]: r for r in api.get("/api/faults").json()}
    for fault in (paused.json(), cut.json()):
        record = records[fault["id"]]
        assert record["recovered"] is True and record["state"] == "reverted", record
