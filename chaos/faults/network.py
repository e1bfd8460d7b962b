"""Shared shape of faults on network links, carried out by the fault proxy."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from chaos.faults.base import Fault

Direction = Literal["both", "upstream", "downstream"]


class LinkParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: str | None = Field(
        None,
        description="Only links to these components: a name, a role (e.g. store) or a "
        "selector (e.g. store:leader). Default: every link of the target.",
    )
    direction: Direction = Field(
        "both",
        description="upstream = requests (dialer to listener), downstream = responses",
    )


class LinkFault(Fault):
    roles: ClassVar[frozenset[str]] = frozenset({"lb", "web", "store"})
    needs: ClassVar[frozenset[str]] = frozenset({"proxy"})
    mechanisms: ClassVar[dict[str, str]] = {
        "local": "fault proxy",
        "docker": "fault proxy (netem is not relied on)",
        "fake": "recorded",
    }
    peer_param: ClassVar[str | None] = "to"
    proxy_kind: ClassVar[str]

    def link_names(self) -> list[str]:
        others = set(self.peers) if self.peers else None
        links = self.ctx.links.touching(set(self.targets), others)
        if not links:
            raise ValueError(f"no network links between {self.targets} and {self.peers}")
        return [link.name for link in links]

    def proxy_params(self) -> dict[str, Any]:
        return self.params.model_dump(exclude={"to", "direction"})

    async def apply(self) -> None:
        await self.ctx.proxy.add_fault(
            self.id, self.proxy_kind, self.link_names(), self.params.direction, self.proxy_params()
        )

    async def revert(self) -> None:
        await self.ctx.proxy.remove_fault(self.id)
