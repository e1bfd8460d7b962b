"""The one small interface every fault implements.

A fault knows how to apply itself to already-resolved targets and how to revert. Everything
else (targeting, probability, deadlines, journaling, retries) is the controller's job, done once
for all faults. `revert()` must be idempotent and safe even if `apply()` never ran or only half
ran: after a controller crash it is called from the journal record alone.
"""

from __future__ import annotations

import abc
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from chaos.faults.context import FaultContext


class NoParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Fault(abc.ABC):
    type: ClassVar[str]
    summary: ClassVar[str]
    Params: ClassVar[type[BaseModel]] = NoParams
    # Roles this fault can hit; a target outside them is refused before anything happens.
    roles: ClassVar[frozenset[str]]
    # Runtime capabilities the fault needs (see Runtime.capabilities()).
    needs: ClassVar[frozenset[str]] = frozenset()
    # How the fault works, per runtime; a runtime missing here does not support it.
    mechanisms: ClassVar[dict[str, str]]
    # Runtime name -> why it cannot do this fault (reported as 409 and in the catalog).
    unsupported: ClassVar[dict[str, str]] = {}
    # A param that names a second group of components (e.g. `to` of network faults); the
    # controller resolves it like a target and passes the names as `peers`.
    peer_param: ClassVar[str | None] = None

    def __init__(
        self,
        fault_id: str,
        targets: list[str],
        params: BaseModel,
        duration: float,
        ctx: FaultContext,
        peers: list[str] | None = None,
    ) -> None:
        self.id = fault_id
        self.targets = targets
        self.params = params
        self.duration = duration
        self.ctx = ctx
        self.peers = peers

    @abc.abstractmethod
    async def apply(self) -> None: ...

    @abc.abstractmethod
    async def revert(self) -> None: ...

    @classmethod
    def support(cls, runtime: str, capabilities: set[str]) -> str | None:
        """None if the runtime can do this fault, else the reason it cannot."""
        if runtime in cls.unsupported:
            return cls.unsupported[runtime]
        missing = cls.needs - capabilities
        if missing:
            return f"the {runtime} runtime lacks {', '.join(sorted(missing))}"
        return None
