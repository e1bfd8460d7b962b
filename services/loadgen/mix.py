"""The operation mix: which operations run how often, and on which keys."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass

GET_HOT = "get_hot"  # read one of a few popular keys
GET_TAIL = "get_tail"  # read a rarely used key, often missing (404 is fine)
PUT = "put"  # write a hot or tail key
DELETE = "delete"  # delete a tail key
LIST = "list"  # prefix listing
CC_PUT = "cc_put"  # consistency checker: write a unique value, record the ack
CC_GET = "cc_get"  # consistency checker: read and check against acknowledged writes
OPS = (GET_HOT, GET_TAIL, PUT, DELETE, LIST, CC_PUT, CC_GET)

DEFAULT_MIX: Mapping[str, float] = {
    GET_HOT: 40,
    GET_TAIL: 15,
    PUT: 15,
    DELETE: 5,
    LIST: 5,
    CC_PUT: 10,
    CC_GET: 10,
}
DEFAULT_MIX_SPEC = ",".join(f"{op}={weight:g}" for op, weight in DEFAULT_MIX.items())


def parse_mix(spec: str) -> dict[str, float]:
    """Parse "get_hot=40,put=10,...". Operations not named get weight 0."""
    weights = dict.fromkeys(OPS, 0.0)
    for item in filter(None, (part.strip() for part in spec.split(","))):
        op, sep, weight = item.partition("=")
        op = op.strip()
        if not sep or op not in weights:
            raise ValueError(f"bad mix entry {item!r}: expected one of {', '.join(OPS)} =weight")
        try:
            weights[op] = float(weight)
        except ValueError:
            raise ValueError(f"bad weight in mix entry {item!r}") from None
        if weights[op] < 0:
            raise ValueError(f"negative weight in mix entry {item!r}")
    if not any(weights.values()):
        raise ValueError("the mix needs at least one operation with a positive weight")
    return weights


@dataclass(frozen=True)
class KeySpace:
    """Key names for each population. Checker keys (cc/...) are only ever written by the
    checker and never deleted, which keeps its history simple."""

    hot_keys: int = 20
    tail_keys: int = 10_000
    checker_keys: int = 64

    def hot(self, rng: random.Random) -> str:
        return f"hot/{rng.randrange(self.hot_keys)}"

    def tail(self, rng: random.Random) -> str:
        return f"tail/{rng.randrange(self.tail_keys)}"

    def checker(self, rng: random.Random) -> str:
        return f"cc/{rng.randrange(self.checker_keys)}"


class OperationPicker:
    def __init__(self, weights: Mapping[str, float], rng: random.Random) -> None:
        self._ops = [op for op, weight in weights.items() if weight > 0]
        self._weights = [weights[op] for op in self._ops]
        self._rng = rng

    def pick(self) -> str:
        return self._rng.choices(self._ops, self._weights)[0]
