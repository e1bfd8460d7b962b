"""Fault types registered by name, as Toxiproxy registers its toxics."""

from __future__ import annotations

from chaos.faults.base import Fault

FAULTS: dict[str, type[Fault]] = {}


def register(cls: type[Fault]) -> type[Fault]:
    if cls.type in FAULTS:
        raise ValueError(f"fault type {cls.type!r} registered twice")
    FAULTS[cls.type] = cls
    return cls
