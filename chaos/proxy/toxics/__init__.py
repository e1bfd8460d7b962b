"""Fault kinds, one module each, registered by name in `TOXICS` on import."""

from chaos.proxy.toxics import bandwidth, blackhole, cut, latency, loss  # noqa: F401  (registers)
from chaos.proxy.toxics.base import TOXICS, Stage, Toxic, register

__all__ = ["TOXICS", "Stage", "Toxic", "register"]
