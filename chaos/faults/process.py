"""Shared shape of faults that act on whole processes or containers.

Most of them are one runtime call on each target, reverted by another: `process_action`
registers such a fault from those two calls and how each runtime carries them out.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from pydantic import BaseModel

from chaos.faults.base import Fault, NoParams
from chaos.faults.registry import register
from chaos.runtime.base import Runtime

# Faults that take the fault proxy down would break every link at once, which is not a
# failure of the system under test; keep it out of reach by default.
TARGETABLE_ROLES = frozenset({"web", "store", "lb", "loadgen"})

# One target's runtime call: (runtime, target name, params) -> the call, or None for nothing.
Action = Callable[[Runtime, str, Any], Awaitable[None] | None]


class ProcessFault(Fault):
    roles: ClassVar[frozenset[str]] = TARGETABLE_ROLES
    needs: ClassVar[frozenset[str]] = frozenset({"signals"})


class ProcessAction(ProcessFault):
    """`act` on every target to apply; `undo` on every target to revert (None: a fault that is
    over once it happened)."""

    act: ClassVar[Action]
    undo: ClassVar[Action | None] = None

    async def apply(self) -> None:
        await self._each(type(self).act)

    async def revert(self) -> None:
        if type(self).undo is not None:
            await self._each(type(self).undo)

    async def _each(self, action: Action) -> None:
        for name in self.targets:
            call = action(self.ctx.runtime, name, self.params)
            if call is not None:
                await call


def process_action(
    type_name: str,
    summary: str,
    *,
    local: str,
    docker: str,
    act: Action,
    undo: Action | None = None,
    params: type[BaseModel] = NoParams,
    **attrs: Any,
) -> type[ProcessAction]:
    """Register the fault `type_name`: `act` applies it and `undo` reverts it, target by target;
    `local` and `docker` say how each runtime does it (the fake runtime records it)."""
    cls = type(
        type_name.title().replace("-", ""),
        (ProcessAction,),
        {
            "type": type_name,
            "summary": summary,
            "Params": params,
            "mechanisms": {"local": local, "docker": docker, "fake": "recorded"},
            "act": act,
            "undo": undo,
            **attrs,
        },
    )
    return register(cls)
