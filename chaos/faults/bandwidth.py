from __future__ import annotations

from chaos.faults.network import LinkFault, LinkParams
from chaos.faults.registry import register
from chaos.netfaults import schemas


class BandwidthParams(LinkParams, schemas.BandwidthParams):
    pass


@register
class Bandwidth(LinkFault):
    type = "bandwidth"
    summary = "Cap throughput on the target's links at bytes_per_s"
    Params = BandwidthParams
    proxy_kind = "bandwidth"
