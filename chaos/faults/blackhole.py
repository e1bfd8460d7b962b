from __future__ import annotations

from chaos.faults.network import LinkFault, LinkParams
from chaos.faults.registry import register
from chaos.netfaults import schemas


class BlackholeParams(LinkParams, schemas.BlackholeParams):
    pass


@register
class Blackhole(LinkFault):
    type = "blackhole"
    summary = "Accept connections on the target's links but never answer"
    Params = BlackholeParams
    proxy_kind = "blackhole"
