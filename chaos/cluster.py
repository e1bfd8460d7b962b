"""What the controller's health loop knows about the stack right now, as the one small view the
services that act on the stack (remediation, drills) are given instead of the controller."""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class ClusterView(Protocol):
    def healthy(self, name: str) -> bool:
        """Whether `name` answered its last health probe."""

    def all_healthy(self) -> bool:
        """Whether every enabled component answered its last health probe."""

    def leader(self) -> str | None:
        """The store member that leads, as the last probe saw it."""
