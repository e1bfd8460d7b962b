from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from chaos.faults.network import LinkFault
from chaos.faults.registry import register


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
    mechanisms = {
        "local": "fault proxy",
        "docker": "iptables in the dialler's network namespace (nsenter): outgoing REJECT "
        "with tcp-reset, incoming DROP",
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
        # One way: swallow what the target sends, whichever side dialled the connection.
        outbound = [lk.name for lk in links if lk.src in group]
        inbound = [lk.name for lk in links if lk.dst in group]
        if outbound:
            await self.ctx.proxy.add_fault(f"{self.id}/out", "blackhole", outbound, "upstream", {})
        if inbound:
            await self.ctx.proxy.add_fault(f"{self.id}/in", "blackhole", inbound, "downstream", {})

    async def revert(self) -> None:
        for fault_id in (self.id, f"{self.id}/out", f"{self.id}/in"):
            await self.ctx.proxy.remove_fault(fault_id)
