"""Shared shape of faults that act on whole processes or containers."""

from __future__ import annotations

from typing import ClassVar

from chaos.faults.base import Fault

# Faults that take the fault proxy down would break every link at once, which is not a
# failure of the system under test; keep it out of reach by default.
TARGETABLE_ROLES = frozenset({"web", "store", "lb", "loadgen"})


class ProcessFault(Fault):
    roles: ClassVar[frozenset[str]] = TARGETABLE_ROLES
    needs: ClassVar[frozenset[str]] = frozenset({"signals"})
