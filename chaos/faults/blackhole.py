from __future__ import annotations

from chaos.faults.network import LinkFault, LinkParams
from chaos.faults.registry import register


@register
class Blackhole(LinkFault):
    type = "blackhole"
    summary = "Accept connections on the target's links but never answer"
    Params = LinkParams
    proxy_kind = "blackhole"
