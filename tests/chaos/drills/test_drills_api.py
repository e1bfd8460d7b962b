"""The drills API over the fake runtime: nothing names a hidden fault until the reveal, bad
input is a 4xx naming the field, and the reveal shows everything."""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path

import pytest

from chaos.drills import incidents
from chaos.testing.api import served_fake
from chaos.testing.drills import TOPOLOGY as TOP
from chaos.testing.drills import seed_for
from chaos.testing.fakes import STACK

TOKEN = "s3cret"


# A standby web slot: planned, not part of the stack (the fake runtime does not run it).
PLANNED = {**STACK, "web-4": "web"}


@pytest.fixture
async def client(tmp_path):
    async with served_fake(tmp_path, TOKEN, planned=PLANNED) as (_, made):
        yield made


@pytest.mark.parametrize(("difficulty", "incident", "fault_type"), [
    ("medium", "hung-web", "pause"),
    ("easy", "crashed-web", "kill"),
])
async def test_a_running_drill_reveals_nothing_then_the_reveal_shows_all(
        client, difficulty, incident, fault_type):
    seed = seed_for(difficulty, incident)
    target = incidents.pick(difficulty, TOP, random.Random(seed)).components[0]
    started = await client.post("/api/drills", json={"difficulty": difficulty, "seed": seed})
    assert started.status_code == 201, started.text
    seen = [started.text]
    for path in ("/api/faults", "/api/faults?state=active", "/api/drills/current", "/metrics",
                 "/api/status"):
        response = await client.get(path)
        assert response.status_code == 200
        seen.append(response.text)
    everything = "\n".join(seen)
    assert f'"{fault_type}"' not in everything and f'type="{fault_type}"' not in everything
    assert json.loads(seen[1]) == [] and "chaos_drill_active 1.0" in seen[4]
    assert "chaos_faults_active{" not in seen[4]
    target_status = next(c for c in json.loads(seen[5])["components"] if c["name"] == target)
    assert target_status["state"] != "paused" and target_status["held_down"] is False

    revealed = (await client.post("/api/drills/current/reveal")).json()
    assert revealed["state"] == "finished" and revealed["incident"] == incident
    assert [(f["type"], f["targets"]) for f in revealed["faults"]] == [(fault_type, [target])]
    assert revealed["faults"][0]["ended_at"] is not None
    listed = (await client.get("/api/faults")).json()
    assert [(f["type"], f["state"]) for f in listed] == [(fault_type, "reverted")]
    history = (await client.get("/api/drills/history")).json()
    assert history[-1]["id"] == revealed["id"] and history[-1]["outcome"] == "unsolved"


async def test_answers_are_validated_graded_and_limited(client):
    seed = seed_for("easy", "bad-deploy")
    assert (await client.post("/api/drills", json={"difficulty": "easy", "seed": seed})
            ).status_code == 201
    bad_cause = await client.post("/api/drills/current/answer",
                                  json={"component": "web-1", "cause": "gremlins"})
    assert bad_cause.status_code == 422
    assert bad_cause.json()["errors"][0]["field"] == "cause"
    assert "memory-leak" in bad_cause.json()["detail"]
    bad_component = await client.post("/api/drills/current/answer",
                                      json={"component": "web-9", "cause": "bad-deploy"})
    assert bad_component.status_code == 422
    assert bad_component.json()["errors"][0]["field"] == "component"
    assert "web-2" in bad_component.json()["detail"]

    answers = [(await client.post("/api/drills/current/answer",
                                  json={"component": "store-1", "cause": "disk-full"})).json()
               for _ in range(3)]
    assert [a["correct"] for a in answers] == [False] * 3
    assert [a["tries_left"] for a in answers] == [2, 1, 0]
    closed = await client.post("/api/drills/current/answer",
                               json={"component": "store-1", "cause": "disk-full"})
    assert closed.status_code == 409
    revealed = (await client.post("/api/drills/current/reveal")).json()
    assert revealed["score"]["total"] == 0 and revealed["outcome"] == "unsolved"


async def test_start_refuses_a_second_drill_and_bad_difficulty(client):
    bad = await client.post("/api/drills", json={"difficulty": "extreme"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "difficulty"
    assert "easy" in bad.json()["detail"]
    assert (await client.post("/api/drills", json={"difficulty": "easy", "seed": 1})
            ).status_code == 201
    again = await client.post("/api/drills", json={"difficulty": "easy"})
    assert again.status_code == 409 and "already running" in again.json()["detail"]
    hint = (await client.post("/api/drills/current/hint")).json()
    assert hint["number"] == 1 and hint["cost"] == 5 and hint["hints_left"] == 2
    del client.headers["Authorization"]
    assert (await client.post("/api/drills/current/hint")).status_code == 401
    assert (await client.get("/api/drills/choices")).status_code == 200


async def test_no_drill_yet_is_a_clear_404(client):
    response = await client.get("/api/drills/current")
    assert response.status_code == 404 and "gameday drill start" in response.json()["detail"]


async def test_choices_name_the_stack_as_it_runs_not_the_standby_slots(client):
    choices = (await client.get("/api/drills/choices")).json()
    assert {"web-1", "web-2", "web-3", "store-1"} <= set(choices["components"])
    assert "web-4" not in choices["components"]
    assert (await client.post("/api/drills", json={"difficulty": "easy", "seed": 1})
            ).status_code == 201
    unknown = await client.post("/api/drills/current/answer",
                                json={"component": "web-9", "cause": "bad-deploy"})
    assert unknown.status_code == 422
    assert "web-3" in unknown.json()["detail"] and "web-4" not in unknown.json()["detail"]


class ScriptedPrometheus:
    """The fake's Prometheus (steady-state probes), plus what the hints read: the culprit
    down, the users' error ratio up since the drill started."""

    def __init__(self, fake, started_at: float, culprit: str) -> None:
        self.fake, self.started_at, self.culprit = fake, started_at, culprit

    def __getattr__(self, name: str):
        return getattr(self.fake, name)

    async def vector(self, expr: str, at: float):
        if expr == "job:loadgen_errors:ratio_rate15s":
            return [({}, 0.0 if at < self.started_at else 0.25)]
        if expr == 'up{job="web"}':
            return [({"instance": n}, 0.0 if n == self.culprit else 1.0)
                    for n in ("web-1", "web-2", "web-3")]
        return []


async def test_hints_come_from_the_evidence_and_reach_status_and_postmortem(tmp_path):
    async with served_fake(tmp_path, TOKEN, planned=PLANNED) as (fake, client):
        seed = seed_for("easy", "crashed-web")
        culprit, = incidents.pick("easy", TOP, random.Random(seed)).components
        started = (await client.post("/api/drills", json={"difficulty": "easy", "seed": seed}
                                     )).json()
        drills = fake.drills
        drills.prometheus = ScriptedPrometheus(drills.prometheus, started["started_at"],
                                               culprit)
        given = [(await client.post("/api/drills/current/hint")).json()["hint"]
                 for _ in range(3)]
        assert given[0].startswith("Nothing has paged yet.") and "errors moved most" in given[0]
        assert "25.0% now" in given[0]
        assert "web tier" in given[1] and "being up" in given[1] and culprit not in given[1]
        assert given[2].startswith(f"It is {culprit}: being up 0 against 1")
        assert (await client.post("/api/drills/current/hint")).status_code == 409
        status = (await client.get("/api/drills/current")).json()
        assert status["hints_given"] == given and status["hints_left"] == 0
        revealed = (await client.post("/api/drills/current/reveal")).json()
        postmortem = await asyncio.to_thread(Path(revealed["debrief"]["postmortem"]).read_text)
        assert all(text.replace("|", "/") in postmortem for text in given)
