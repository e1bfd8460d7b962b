from __future__ import annotations

from pydantic import Field

from chaos.faults.network import LinkFault, LinkParams
from chaos.faults.registry import register


class BandwidthParams(LinkParams):
    bytes_per_s: int = Field(10_000, gt=0, description="Throughput cap per connection")


@register
class Bandwidth(LinkFault):
    type = "bandwidth"
    summary = "Cap throughput on the target's links at bytes_per_s"
    Params = BandwidthParams
    proxy_kind = "bandwidth"
