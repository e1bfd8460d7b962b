"""latency: the fault proxy delays traffic on the target's links."""

from __future__ import annotations

from pydantic import Field

from chaos.faults.network import Direction, LinkParams, link_fault
from chaos.netfaults import schemas


class LatencyParams(LinkParams, schemas.LatencyParams):
    # Like Toxiproxy: delaying responses only adds `ms` once per round trip; "both" adds 2 x ms.
    direction: Direction = Field("downstream", description="upstream, downstream or both")


Latency = link_fault("latency", "Delay traffic on the target's links by ms +/- jitter_ms",
                     LatencyParams)
