"""Fault targets: a component name or a selector such as `web:random` or `store:leader`.

Selectors are resolved when a fault is applied, against the stack as it is at that moment.
Resolution is a pure function of the snapshot and a random generator, so it is unit-testable
and repeatable with a seed.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass

SELECTORS = (
    "all",
    "random",
    "count=N",
    "percent=P",
    "leader",
    "follower",
    "minority",
    "majority",
)
_STORE_ONLY = {"leader", "follower", "minority", "majority"}


class TargetError(ValueError):
    """A target that does not name or select anything."""


@dataclass(frozen=True)
class Member:
    name: str
    role: str
    leader: bool = False
    healthy: bool = True


@dataclass(frozen=True)
class Target:
    role: str | None
    name: str | None = None
    selector: str | None = None
    number: int | None = None

    @property
    def text(self) -> str:
        if self.name:
            return self.name
        if self.number is not None:
            return f"{self.role}:{self.selector}={self.number}"
        return f"{self.role}:{self.selector}"


def parse_target(text: str, roles: set[str], names: set[str]) -> Target:
    text = text.strip()
    if text in names:
        return Target(role=None, name=text)
    if ":" not in text:
        raise TargetError(
            f"unknown target {text!r}: use a component ({', '.join(sorted(names))}) "
            f"or ROLE:SELECTOR with ROLE in {sorted(roles)} and SELECTOR in {list(SELECTORS)}"
        )
    role, _, selector = text.partition(":")
    if role not in roles:
        raise TargetError(f"unknown role {role!r} in target {text!r}; roles: {sorted(roles)}")
    match = re.fullmatch(r"(count|percent)=(\d+)", selector)
    if match:
        number = int(match.group(2))
        if match.group(1) == "count" and number < 1:
            raise TargetError(f"count must be at least 1 in {text!r}")
        if match.group(1) == "percent" and not 1 <= number <= 100:
            raise TargetError(f"percent must be within 1..100 in {text!r}")
        return Target(role=role, selector=match.group(1), number=number)
    if selector not in {"all", "random", *_STORE_ONLY}:
        raise TargetError(
            f"unknown selector {selector!r} in {text!r}; selectors: {list(SELECTORS)}"
        )
    if selector in _STORE_ONLY and role != "store":
        raise TargetError(f"selector {selector!r} applies to the store only, not {role!r}")
    return Target(role=role, selector=selector)


def resolve(target: Target, members: list[Member], rng: random.Random) -> list[str]:
    """The component names a target hits now; an empty result is an error."""
    if target.name:
        return [target.name]
    pool = [m for m in members if m.role == target.role]
    if not pool:
        raise TargetError(f"no {target.role} components to target")
    chosen: list[Member]
    if target.selector == "all":
        chosen = pool
    elif target.selector == "random":
        chosen = [rng.choice(pool)]
    elif target.selector == "count":
        chosen = rng.sample(pool, min(target.number or 1, len(pool)))
    elif target.selector == "percent":
        count = max(1, math.floor(len(pool) * (target.number or 0) / 100))
        chosen = rng.sample(pool, count)
    elif target.selector == "leader":
        chosen = [m for m in pool if m.leader]
        if len(chosen) != 1:
            raise TargetError("the store has no leader right now; store:leader selects nothing")
    elif target.selector == "follower":
        followers = [m for m in pool if not m.leader]
        chosen = [rng.choice(followers)] if followers else []
    elif target.selector == "minority":
        # Followers first, so the cluster keeps its leader and its quorum.
        size = (len(pool) - 1) // 2
        followers = [m for m in pool if not m.leader]
        chosen = rng.sample(followers, min(size, len(followers)))
    elif target.selector == "majority":
        size = len(pool) // 2 + 1
        leaders = [m for m in pool if m.leader]
        others = [m for m in pool if not m.leader]
        chosen = leaders + rng.sample(others, size - len(leaders))
    else:  # pragma: no cover - parse_target admits nothing else
        raise TargetError(f"unknown selector {target.selector!r}")
    if not chosen:
        raise TargetError(f"{target.text} selects nothing right now")
    order = {m.name: i for i, m in enumerate(pool)}
    return sorted((m.name for m in chosen), key=order.__getitem__)
