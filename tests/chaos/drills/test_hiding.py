"""A running drill over the fake runtime and the real fault manager: what a learner can read
(status, the components and faults API, the controller's /metrics, the web instances' fault
metrics) names no fault, no fault id and no mechanism; the symptoms stay; the reveal names all.
"""

from __future__ import annotations

import re

import pytest
from prometheus_client.parser import text_string_to_metric_families

from chaos.drills import hiding
from chaos.runtime.base import ComponentStatus, ProcessState
from chaos.runtime.exits import SIGKILL, ExitKind, ExitReason
from chaos.testing.api import served_fake
from chaos.testing.drills import seed_for

TOKEN = "s3cret"
# Words that name a fault or how it is made; a learner must not read them during a drill.
MECHANISMS = ("kill", "sigkill", "sigterm", "sigstop", "fault", "pause", "cpu-burn",
              "memory-leak", "latency", "bad-deploy")
LEARNER_READS = ("/api/status", "/api/components", "/api/faults", "/api/faults?state=active",
                 "/api/drills/current")


@pytest.fixture
async def setup(tmp_path):
    async with served_fake(tmp_path, TOKEN) as served:
        yield served


def leaks(text: str, words: set[str]) -> list[str]:
    """Words found at a word start (`kill` finds "killed"); a fault type as a whole word, so
    the `stop` fault is not found in the symptom "stopped"."""
    lowered = text.lower()
    return sorted(w for w in words
                  if re.search(rf"\b{re.escape(w.lower())}" + ("" if w in MECHANISMS else r"\b"),
                               lowered))


def metric_label_values(text: str) -> set[str]:
    return {value for family in text_string_to_metric_families(text)
            for sample in family.samples for value in sample.labels.values()}


@pytest.mark.parametrize(("difficulty", "incident", "symptom"), [
    ("easy", "crashed-web", {"state": "stopped"}),
    ("medium", "hung-web", {"state": "running"}),
    ("easy", "noisy-neighbour", {"state": "running"}),
    ("medium", "memory-leak", {"state": "running"}),
    ("medium", "quorum-loss", {"state": "stopped"}),
    ("hard", "bad-deploy-with-noise", {"state": "running"}),
])
async def test_nothing_a_learner_reads_names_the_fault_until_the_reveal(
        setup, difficulty, incident, symptom):
    controller, client = setup
    started = await client.post("/api/drills", json={
        "difficulty": difficulty, "seed": seed_for(difficulty, incident)})
    assert started.status_code == 201, started.text
    records = list(controller.faults.records.values())
    assert records, "the incident injected nothing"
    targets = {t for r in records for t in r.targets}
    secret = {r.type for r in records} | {r.id for r in records} | set(MECHANISMS)

    for path in LEARNER_READS:
        response = await client.get(path)
        assert response.status_code == 200, path
        assert leaks(response.text, secret) == [], (path, response.text)
    metrics = (await client.get("/metrics")).text
    assert metric_label_values(metrics) & ({r.type for r in records} | {r.id for r in records}) \
        == set()
    assert not re.search(r"^chaos_faults_active\{", metrics, re.M)
    # The web instances export no fault series while the drill runs (quiet, like the proxy).
    webs = {s.name for s in controller.runtime.statuses() if s.role == "web"}
    assert controller.faults.ctx.apps.quiet == webs and controller.faults.ctx.proxy.quiet

    # Symptoms stay: what the supervisor sees of the hit components.
    status = (await client.get("/api/status")).json()
    hit = [c for c in status["components"] if c["name"] in targets]
    assert hit and all(c["state"] == symptom["state"] for c in hit), hit
    assert all(c["held_down"] is False for c in hit)

    revealed = (await client.post("/api/drills/current/reveal")).json()
    assert {f["type"] for f in revealed["faults"]} == {r.type for r in records}
    listed = (await client.get("/api/faults")).json()
    assert {f["id"] for f in listed} == {r.id for r in records}
    assert controller.faults.ctx.apps.quiet == set() and not controller.faults.ctx.proxy.quiet


async def test_a_crash_a_kill_and_a_stop_as_a_learner_sees_them(setup):
    """A kill fault's exit reads like a death by signal 9 (it was one), with no word of a
    fault; the restart count, the state and the health stay what they are."""
    controller, client = setup
    await controller.runtime.kill("web-2")  # without hold: restarting, then running again
    controller.runtime.tick(now=10**9)
    masked = hiding.mask_component(
        {**controller.runtime.status("web-2").model_dump(mode="json"), "health": "unhealthy"},
        {"web-2"})
    assert masked["last_exit"] == "terminated by signal 9"
    assert masked["exit"]["kind"] == "crash" and masked["restarts"] == 1
    assert masked["state"] == "running" and masked["health"] == "unhealthy"
    assert leaks(str(masked), set(MECHANISMS)) == []


@pytest.mark.parametrize(("cause", "seen"), [
    (ExitReason(kind=ExitKind.fault_kill, signal=SIGKILL), "terminated by signal 9"),
    (ExitReason(kind=ExitKind.fault_kill, code=137), "exited with code 137"),  # a container
    (ExitReason(kind=ExitKind.fault_stop, signal=15), "terminated by signal 15"),
    (ExitReason(kind=ExitKind.fault_stop, code=0), "exited with code 0"),
    (ExitReason(kind=ExitKind.oom, limit_mb=256), "OOM-killed above 256 MiB"),  # the kernel says
    (ExitReason(kind=ExitKind.crash, code=3), "exited with code 3"),
])
def test_the_mask_works_on_the_exits_cause_not_its_text(cause, seen):
    status = ComponentStatus(name="web-1", role="web", state=ProcessState.paused,
                             held_down=True, exit=cause).model_dump(mode="json")
    masked = hiding.mask_component(status, {"web-1"})
    assert masked["last_exit"] == seen
    assert masked["state"] == "running" and masked["held_down"] is False
    # An exit the same component would show without any fault reads the same.
    assert masked["exit"] == ComponentStatus(
        name="web-1", role="web", state="running",
        exit=cause.as_observed()).model_dump(mode="json")["exit"]
    # Outside a drill the cause shows.
    assert hiding.mask_component(status, set())["last_exit"] == cause.describe()
