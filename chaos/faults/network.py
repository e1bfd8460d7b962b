"""Shared shape of faults on network links, carried out by the runtime's network control.

The params of each kind are the proxy's own schemas (chaos/netfaults/schemas.py) plus the
targeting fields here (`to`, `direction`): one schema, validated once on each side the same way.
Under Docker, `cut` and `loss` become iptables rules inside the containers (needs the runtime's
`netns-iptables` capability); everything else is the fault proxy's, on every runtime.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from chaos.faults.base import Fault
from chaos.faults.registry import register
from chaos.netfaults import schemas
from chaos.netfaults.control import IPTABLES_KINDS, NETNS_IPTABLES
from chaos.netfaults.schemas import Direction

__all__ = ["Direction", "LinkFault", "LinkParams", "link_fault"]


class LinkParams(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
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

    @classmethod
    def support(cls, runtime: str, capabilities: set[str]) -> str | None:
        reason = super().support(runtime, capabilities)
        # The Docker runtime's network control carries these kinds with iptables in the
        # containers' namespaces; it reports the capability only if that really works.
        iptables = runtime == "docker" and cls.proxy_kind in IPTABLES_KINDS
        if reason is None and iptables and NETNS_IPTABLES not in capabilities:
            return (f"the docker runtime lacks {NETNS_IPTABLES} (nsenter + iptables into the "
                    "containers' network namespaces, which needs pid: host and "
                    "CAP_NET_ADMIN/CAP_SYS_ADMIN for the controller)")
        return reason

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
        # One fault, one id: the revert needs nothing but the journal record.
        await self.ctx.proxy.remove_fault(self.id)


def link_fault(
    kind: str,
    summary: str,
    params: type[BaseModel] | None = None,
    mechanisms: dict[str, str] | None = None,
) -> type[LinkFault]:
    """Register the fault that puts the proxy's `kind` on the target's links. Its params are
    the kind's schema plus the targeting fields (`<Kind>Params`), unless given."""
    name = kind.title()
    if params is None:
        params = type(f"{name}Params", (LinkParams, schemas.PARAMS[kind]), {"__module__": __name__})
    attrs: dict[str, Any] = {"type": kind, "summary": summary, "Params": params, "proxy_kind": kind}
    if mechanisms is not None:
        attrs["mechanisms"] = mechanisms
    return register(type(name, (LinkFault,), attrs))
