"""The monkey's rules as a pure function: window, limit, last healthy instance, seeds."""

from __future__ import annotations

import random
from datetime import datetime

from chaos.schedules.monkey_config import MonkeyConfig
from chaos.schedules.planner import decide
from chaos.targets import Member

MONDAY_NOON = datetime(2024, 3, 4, 12, 0)
WEBS = [Member("web-1", "web"), Member("web-2", "web"), Member("web-3", "web")]
STORES = [
    Member("store-1", "store", leader=True),
    Member("store-2", "store"),
    Member("store-3", "store"),
]


def config(**overrides) -> MonkeyConfig:
    return MonkeyConfig(
        **{"every": "2m", "faults": "kill,pause", "targets": "web:all", **overrides}
    )


def run(cfg, members=WEBS, busy=(), active=0, moment=MONDAY_NOON, seed=1):
    return decide(cfg, 0.0, moment, list(members), set(busy), active, random.Random(seed))


def test_fires_an_allowed_fault_on_an_allowed_target():
    decision = run(config())
    assert decision.action == "fired"
    assert decision.fault in ("kill", "pause") and decision.target in ("web-1", "web-2", "web-3")


def test_outside_the_window_or_weekdays_it_skips_and_says_why():
    evening = datetime(2024, 3, 4, 18, 0)
    decision = run(config(between="09:00-17:00"), moment=evening)
    assert (decision.action, decision.reason) == ("skipped", "outside-window")
    assert "18:00" in decision.detail and "09:00-17:00" in decision.detail
    saturday = datetime(2024, 3, 9, 12, 0)
    assert run(config(weekdays="mon-fri"), moment=saturday).reason == "outside-window"
    night = datetime(2024, 3, 5, 1, 0)
    assert run(config(between="22:00-06:00"), moment=night).action == "fired"


def test_max_concurrent_counts_the_monkeys_active_faults():
    assert run(config(max_concurrent=2), active=1).action == "fired"
    decision = run(config(max_concurrent=2), active=2)
    assert (decision.action, decision.reason) == ("skipped", "max-concurrent")


def test_never_the_last_healthy_instance_unless_allowed():
    # web-1 and web-2 are broken (one unhealthy, one under a fault): web-3 is the last one.
    members = [
        Member("web-1", "web", healthy=False),
        Member("web-2", "web"),
        Member("web-3", "web"),
    ]
    decision = run(
        config(faults="kill", targets="web-3", max_concurrent=5), members, busy={"web-2"}
    )
    assert (decision.action, decision.reason) == ("skipped", "last-healthy")
    assert "web-3" in decision.detail
    allowed = run(
        config(faults="kill", targets="web-3", allow_last_healthy=True), members, busy={"web-2"}
    )
    assert (allowed.action, allowed.target) == ("fired", "web-3")


def test_picks_a_safe_target_when_only_some_would_be_the_last():
    members = [
        Member("web-1", "web"),
        Member("web-2", "web", healthy=False),
        Member("store-1", "store"),
    ]
    for seed in range(20):
        decision = run(config(faults="pause", targets="web:all,store:all"), members, seed=seed)
        # store-1 is its role's only healthy member; web-2 is unhealthy so web-1 is the last.
        assert decision.target in (None, "web-2"), decision
        assert decision.action == "fired"


def test_components_under_any_fault_are_not_hit_twice():
    for seed in range(20):
        decision = run(config(), busy={"web-1", "web-2"}, seed=seed)
        assert decision.reason == "last-healthy" or decision.target not in ("web-1", "web-2")
    decision = run(config(), busy={"web-1", "web-2", "web-3"})
    assert decision.reason == "no-target"


def test_faults_only_hit_roles_they_apply_to():
    cfg = config(faults="disk-fill", targets="web:all,store:follower")
    for seed in range(10):
        decision = run(cfg, WEBS + STORES, seed=seed)
        assert decision.target in ("store-2", "store-3")


def test_dry_run_decides_but_does_not_fire():
    decision = run(config(dry_run=True))
    assert (decision.action, decision.reason) == ("skipped", "dry-run")
    assert decision.target and decision.detail.startswith(f"would inject {decision.fault}")


def test_same_seed_same_decision_sequence():
    cfg = config(faults="kill,pause,restart", targets="web:random,store:follower")

    def sequence(seed):
        rng = random.Random(seed)
        return [
            (d.fault, d.target)
            for d in (
                decide(cfg, 0.0, MONDAY_NOON, WEBS + STORES, set(), 0, rng) for _ in range(30)
            )
        ]

    assert sequence(5) == sequence(5)
    assert sequence(5) != sequence(6)
