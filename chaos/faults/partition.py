from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from chaos.faults.network import LinkFault
from chaos.faults.registry import register
from chaos.netfaults.schemas import LinkDirection


class PartitionParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: str | None = Field(
        None,
        description="The other side: a name, role or selector. Default: every component "
        "that has a link with the target (full isolation).",
    )
    one_way: bool = Field(
        False,
        description="Only the target's messages to the other side are lost; the other "
        "side's messages still arrive.",
    )


@register
class Partition(LinkFault):
    type = "partition"
    summary = "Cut the links between the target and the other side (optionally one way)"
    Params = PartitionParams
    proxy_kind = "cut"
    mechanisms = {
        "local": "fault proxy",
        "docker": "iptables in the dialler's network namespace (nsenter): outgoing REJECT "
        "with tcp-reset, incoming DROP (one way: DROP in the target's sending direction)",
        "fake": "recorded",
    }

    async def apply(self) -> None:
        group = set(self.targets)
        others = set(self.peers) if self.peers else self.ctx.links.neighbours(group)
        links = self.ctx.links.touching(group, others)
        if not links:
            raise ValueError(f"no network links between {sorted(group)} and {sorted(others)}")
        if not self.params.one_way:
            await self.ctx.proxy.add_fault(self.id, "cut", [lk.name for lk in links], "both", {})
            return
        # One way: one fault whose links each carry the target's sending direction: upstream
        # on links the target dials, downstream (the answers) on links dialled to it.
        targets = [
            LinkDirection(link=lk.name, direction="upstream" if lk.src in group else "downstream")
            for lk in links
        ]
        await self.ctx.proxy.add_fault(self.id, "cut", targets, "both", {})

    # revert: LinkFault's, by the one id (idempotent; needs only the journal record).
