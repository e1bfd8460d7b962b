"""The table of active faults and which logical links they apply to."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from chaos.netfaults.schemas import Direction, LinkRef, link_directions, links_json
from chaos.proxy.links import DIRECTIONS, DOWNSTREAM, UPSTREAM
from chaos.proxy.toxics import Toxic

_EXPAND = {"both": DIRECTIONS, "upstream": (UPSTREAM,), "downstream": (DOWNSTREAM,)}

_seq = itertools.count()


@dataclass(eq=False)
class Fault:
    id: str
    kind: str
    # Exact names or fnmatch globs, matched against logical link names; an entry may carry its
    # own direction (a one-way partition swallows each link in the target's sending direction).
    links: list[LinkRef]
    direction: Direction  # the direction of plain-name entries
    toxic: Toxic
    # Creation order: the stages of several faults on one direction are chained in this order.
    seq: int = field(default_factory=lambda: next(_seq))

    def __post_init__(self) -> None:
        self._patterns = link_directions(self.links, self.direction)

    def matches(self, link_name: str) -> bool:
        return any(fnmatchcase(link_name, pattern) for pattern, _ in self._patterns)

    def directions_for(self, link_name: str) -> tuple[str, ...]:
        """The directions this fault acts on for one link (union over matching entries)."""
        found: set[str] = set()
        for pattern, direction in self._patterns:
            if fnmatchcase(link_name, pattern):
                found.update(_EXPAND[direction])
        return tuple(d for d in DIRECTIONS if d in found)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "links": links_json(self.links),
            "direction": self.direction,
            "params": self.toxic.params.model_dump(),
        }


class FaultTable:
    def __init__(self) -> None:
        self.faults: dict[str, Fault] = {}
        # link name -> matching faults; globs are only evaluated when faults change or a new
        # link name shows up, never per connection or per chunk.
        self._by_link: dict[str, list[Fault]] = {}

    def add(self, fault: Fault) -> Fault | None:
        """Add (or replace, same id) a fault; returns the replaced one."""
        old = self.faults.pop(fault.id, None)
        self.faults[fault.id] = fault
        self._by_link.clear()
        return old

    def remove(self, fault_id: str) -> Fault | None:
        fault = self.faults.pop(fault_id, None)
        if fault is not None:
            self._by_link.clear()
        return fault

    def for_link(self, link_name: str) -> list[Fault]:
        faults = self._by_link.get(link_name)
        if faults is None:
            faults = self._by_link[link_name] = [
                f for f in self.faults.values() if f.matches(link_name)
            ]
        return faults

    def __iter__(self):
        return iter(list(self.faults.values()))

    def __len__(self) -> int:
        return len(self.faults)
