"""A scripted learner's drill over the fake controller: it is paged, acknowledges, makes one
harmful move and one that helps, answers right and reveals. The drill's status and its
debrief carry the on-call clock (TTA, TTD, TTM), the harmful move's penalty, and the
postmortem draft shows the page and the acknowledgement on its timeline."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

from chaos.drills import incidents, scoring
from chaos.testing.api import controller_client
from chaos.testing.controller import FakeController
from chaos.testing.drills import TOPOLOGY as TOP
from chaos.testing.drills import seed_for
from tests.chaos.pager.test_pager_store import notification

TOKEN = "s3cret"


async def until(predicate, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_a_scripted_learner_gets_the_on_call_clock_and_a_harmful_move_costs(tmp_path):
    controller = FakeController(tmp_path)
    seed = seed_for("easy", "crashed-web")
    incident = incidents.pick("easy", TOP, random.Random(seed))
    [target] = incident.components
    bystander = next(w for w in TOP.webs if w != target)
    async with controller_client(controller, TOKEN) as client:
        started = await client.post("/api/drills", json={"difficulty": "easy", "seed": seed})
        assert started.status_code == 201, started.text

        controller.pager.receive(notification())  # Alertmanager pages
        page_id = next(iter(controller.pager.pages))
        await until(lambda: controller.drills.drill.paged_after is not None)
        assert (await client.post(f"/api/pages/{page_id}/ack")).status_code == 200
        await until(lambda: controller.drills.drill.acknowledged_after is not None)

        # A restart of an instance the incident did not touch: harmful. Then the right answer.
        assert (await client.post(f"/api/components/{bystander}/restart")).status_code == 200
        answer = await client.post("/api/drills/current/answer",
                                   json={"component": target, "cause": incident.cause})
        assert answer.json()["correct"] is True

        running = (await client.get("/api/drills/current")).json()
        assert set(running["times"]) == {"tta", "ttd", "ttm"}
        assert running["times"]["tta"] == running["acknowledged_after"] >= running["paged_after"]
        assert running["times"]["ttd"] is not None

        revealed = (await client.post("/api/drills/current/reveal")).json()
    await controller.close()

    assert revealed["times"]["tta"] is not None and revealed["times"]["ttd"] is not None
    score = revealed["score"]
    assert score["harmful_moves"] == [f"restart {bystander}"]
    assert score["move_penalty"] == scoring.HARMFUL_MOVE_PENALTY
    assert "1 harmful move(s)" in score["explanation"]
    draft = await asyncio.to_thread(Path(revealed["debrief"]["postmortem"]).read_text)
    assert f"**page** paged: StoreNoLeader: 1 firing ({page_id})" in draft
    assert f"**ack** acknowledged {page_id} (user)" in draft
    assert "time to acknowledge" in draft and f"`restart {bystander}`" in draft


def test_what_counts_as_harmful():
    moves = [{"action": "restart", "component": "web-2"},
             {"action": "drain", "component": "web-3"},
             {"action": "rollback", "component": "web-1"},
             {"action": "scale", "role": "web", "count": 2, "added": [], "removed": ["web-3"]},
             {"action": "scale", "role": "web", "count": 4, "added": ["web-4"], "removed": []},
             {"action": "move-leader", "to": "store-2"},
             {"action": "store-defrag"}]
    assert scoring.harmful_moves(moves, ["web-1"]) == [
        "restart web-2", "drain web-3", "scale removed web-3", "move-leader store-2"]
    # On a store incident, moving leadership is part of the job.
    assert "move-leader store-2" not in scoring.harmful_moves(moves, ["store-1"])
    assert scoring.score([], 0, ["a", "b", "c", "d"]).move_penalty == scoring.MAX_MOVE_PENALTY


async def test_a_drill_whose_incident_never_shows_is_voided(tmp_path):
    # The fake's Prometheus always reports a healthy stack: this fault cannot bite.
    controller = FakeController(tmp_path)
    controller.drills.void_after = 0.3
    seed = seed_for("easy", "crashed-web")
    async with controller_client(controller, TOKEN) as client:
        assert (await client.post("/api/drills", json={"difficulty": "easy", "seed": seed})
                ).status_code == 201
        await until(lambda: controller.drills.drill.state == "finished")
        ended = (await client.get("/api/drills/current")).json()
    await controller.close()
    assert ended["outcome"] == "void" and ended["score"]["total"] == 0
    assert ended["score"]["explanation"].startswith("void: the incident never showed")
    assert ended["events"][-1]["kind"] == "reveal"
    assert ended["events"][-1]["message"] == "void: the incident never showed"
    assert controller.faults.active() == []  # its faults were reverted


async def test_a_page_is_an_effect_a_drill_is_not_voided(tmp_path):
    controller = FakeController(tmp_path)
    controller.drills.void_after = 0.3
    seed = seed_for("easy", "crashed-web")
    async with controller_client(controller, TOKEN) as client:
        await client.post("/api/drills", json={"difficulty": "easy", "seed": seed})
        controller.pager.receive(notification())
        await asyncio.sleep(0.6)
        assert controller.drills.drill.state == "running"
        revealed = (await client.post("/api/drills/current/reveal")).json()
    await controller.close()
    assert revealed["outcome"] == "unsolved"
