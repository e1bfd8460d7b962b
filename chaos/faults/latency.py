from __future__ import annotations

from pydantic import Field

from chaos.faults.network import Direction, LinkFault, LinkParams
from chaos.faults.registry import register
from chaos.netfaults import schemas


class LatencyParams(LinkParams, schemas.LatencyParams):
    # Like Toxiproxy: delaying responses only adds `ms` once per round trip; "both" adds 2 x ms.
    direction: Direction = Field("downstream", description="upstream, downstream or both")


@register
class Latency(LinkFault):
    type = "latency"
    summary = "Delay traffic on the target's links by ms +/- jitter_ms"
    Params = LatencyParams
    proxy_kind = "latency"
