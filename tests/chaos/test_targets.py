import random

import pytest

from chaos.targets import Member, TargetError, parse_target, resolve

MEMBERS = [
    Member("web-1", "web"),
    Member("web-2", "web"),
    Member("web-3", "web"),
    Member("web-4", "web"),
    Member("store-1", "store"),
    Member("store-2", "store", leader=True),
    Member("store-3", "store"),
    Member("lb", "lb"),
]
ROLES = {m.role for m in MEMBERS}
NAMES = {m.name for m in MEMBERS}


def hit(text: str, seed: int = 1) -> list[str]:
    return resolve(parse_target(text, ROLES, NAMES), MEMBERS, random.Random(seed))


def test_a_component_name_hits_itself():
    assert hit("web-2") == ["web-2"]
    assert hit("lb") == ["lb"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("web:all", ["web-1", "web-2", "web-3", "web-4"]),
        ("store:leader", ["store-2"]),
        ("store:majority", None),
        ("web:percent=50", None),
    ],
)
def test_selectors(text, expected):
    got = hit(text)
    if expected is not None:
        assert got == expected
    if text == "store:majority":
        assert len(got) == 2 and "store-2" in got  # the leader plus one
    if text == "web:percent=50":
        assert len(got) == 2


def test_random_count_and_follower_choices_are_repeatable_with_a_seed():
    assert hit("web:random", seed=7) == hit("web:random", seed=7)
    assert len(hit("web:count=3")) == 3
    assert hit("web:count=10") == ["web-1", "web-2", "web-3", "web-4"]
    assert hit("store:follower") in (["store-1"], ["store-3"])
    assert len(hit("store:minority")) == 1 and hit("store:minority") != ["store-2"]
    # store:random picks any one member, the leader included, and a seed replays its pick.
    picks = {tuple(hit("store:random", seed=seed)) for seed in range(40)}
    assert picks == {("store-1",), ("store-2",), ("store-3",)}
    assert hit("store:random", seed=3) == hit("store:random", seed=3)


def test_leader_selector_fails_clearly_without_a_leader():
    no_leader = [Member("store-1", "store"), Member("store-2", "store")]
    with pytest.raises(TargetError, match="no leader"):
        resolve(parse_target("store:leader", {"store"}, set()), no_leader, random.Random())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("web-9", "unknown target"),
        ("cache:all", "unknown role"),
        ("web:leader", "store only"),
        ("web:sometimes", "unknown selector"),
        ("web:count=0", "at least 1"),
        ("web:percent=150", "1..100"),
    ],
)
def test_bad_targets_name_the_problem(text, message):
    with pytest.raises(TargetError, match=message):
        parse_target(text, ROLES, NAMES)
