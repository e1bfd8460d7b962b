"""The table of active faults and which logical links they apply to."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Literal

from chaos.proxy.links import DIRECTIONS, DOWNSTREAM, UPSTREAM
from chaos.proxy.toxics import Toxic

Direction = Literal["both", "upstream", "downstream"]

_seq = itertools.count()


@dataclass(eq=False)
class Fault:
    id: str
    kind: str
    links: list[str]  # exact names or fnmatch globs, matched against logical link names
    direction: Direction
    toxic: Toxic
    # Creation order: the stages of several faults on one direction are chained in this order.
    seq: int = field(default_factory=lambda: next(_seq))

    def matches(self, link_name: str) -> bool:
        return any(fnmatchcase(link_name, pattern) for pattern in self.links)

    @property
    def directions(self) -> tuple[str, ...]:
        return {"both": DIRECTIONS, "upstream": (UPSTREAM,), "downstream": (DOWNSTREAM,)}[
            self.direction
        ]

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "links": self.links,
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
