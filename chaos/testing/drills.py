"""Drill helpers for tests: the fake stack's topology (three web instances, three store
members, store-1 leading) and the seed that picks a given incident on it."""

from __future__ import annotations

import random

from chaos.drills import incidents
from chaos.testing.controller import LEADER

TOPOLOGY = incidents.Topology(webs=["web-1", "web-2", "web-3"],
                              stores=["store-1", "store-2", "store-3"], leader=LEADER)


def seed_for(difficulty: str, name: str, topology: incidents.Topology = TOPOLOGY) -> int:
    """The first seed below 500 whose `difficulty` drill is the incident `name`."""
    return next(s for s in range(500)
                if incidents.pick(difficulty, topology, random.Random(s)).name == name)
