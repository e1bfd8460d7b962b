"""Scoring, the steady-state watch and the incident catalog: pure logic, no stack."""

from __future__ import annotations

import random

import pytest

from chaos.drills import incidents, scoring
from chaos.drills.causes import CAUSES
from chaos.drills.model import Answer
from chaos.drills.steady import SteadyWatch

TOP = incidents.Topology(webs=["web-1", "web-2", "web-3"],
                         stores=["store-1", "store-2", "store-3"], leader="store-2")


def answer(t: float, right: bool) -> Answer:
    return Answer(t=t, component="web-1", cause="bad-deploy", correct=right,
                  component_correct=right, cause_correct=right)


def test_a_fast_right_answer_with_one_hint_scores_95():
    result = scoring.score([answer(30, True)], hints_used=1)
    assert (result.total, result.diagnosis, result.speed, result.hint_penalty) == (95, 80, 20, 5)


def test_a_wrong_answer_scores_nothing():
    result = scoring.score([answer(30, False)], hints_used=0)
    assert result.total == 0 and result.diagnosis == 0
    assert "wrong" in result.explanation


def test_half_right_is_wrong():
    half = Answer(t=10, component="web-1", cause="memory-leak", correct=False,
                  component_correct=True, cause_correct=False)
    assert scoring.score([half], hints_used=0).total == 0


def test_retries_cost_points_and_speed_fades():
    result = scoring.score([answer(100, False), answer(360, True)], hints_used=3)
    assert result.retry_penalty == 10 and result.hint_penalty == 30
    assert result.speed == 10  # halfway between 2 and 10 minutes
    assert result.total == 80 + 10 - 30 - 10


def test_outcomes():
    assert scoring.outcome(True, True) == "solved"
    assert scoring.outcome(False, True) == "mitigated"
    assert scoring.outcome(True, False) == "diagnosed"
    assert scoring.outcome(False, False) == "unsolved"


def test_the_watch_arms_at_the_first_breach_and_needs_a_full_hold():
    watch = SteadyWatch(hold_seconds=30, arm_after=90)
    assert not any(watch.observe(t, True) for t in range(0, 40, 2))  # not broken yet
    assert not watch.observe(40, False)
    assert not any(watch.observe(t, True) for t in (42, 50, 60))
    assert not watch.observe(62, False)  # broken again: the hold starts over
    confirmed = [t for t in range(64, 100, 2) if watch.observe(t, True)]
    assert confirmed == [94] and watch.mitigated_at == 64


def test_an_incident_that_never_shows_arms_the_watch_after_a_while():
    watch = SteadyWatch(hold_seconds=30, arm_after=90)
    assert [t for t in range(0, 130, 2) if watch.observe(t, True)] == [120]


def test_the_catalog_covers_every_difficulty_and_only_known_causes():
    assert len(incidents.CATALOG) >= 12
    built = [build(TOP, random.Random(1)) for build in incidents.CATALOG.values()]
    assert {i.difficulty for i in built} == {"easy", "medium", "hard"}
    for incident in built:
        assert incident.cause in CAUSES
        assert set(incident.components) <= set(TOP.webs + TOP.stores)
        assert len(incident.hints) == 3 and incident.steady_state
        assert all(f.duration == incidents.FAULT_SECONDS for f in incident.faults)


@pytest.mark.parametrize("difficulty", ["easy", "medium", "hard"])
def test_a_seed_replays_the_same_incident_on_the_same_targets(difficulty):
    first = incidents.pick(difficulty, TOP, random.Random(7))
    again = incidents.pick(difficulty, TOP, random.Random(7))
    assert first.name == again.name and first.faults == again.faults
    assert first.difficulty == difficulty


def test_seed_2_of_the_easy_drills_is_the_live_tests_bad_deploy():
    incident = incidents.pick("easy", TOP, random.Random(2))
    assert incident.name == "bad-deploy" and incident.components == ["web-1"]


def test_the_leader_incidents_hit_the_current_leader():
    incident = incidents.CATALOG["leader-isolated"](TOP, random.Random(0))
    assert incident.components == ["store-2"] and incident.faults[0].target == "store-2"
    assert ("restart", "store-2") in incident.fixed_by
