from __future__ import annotations

from pydantic import Field

from chaos.faults.network import LinkFault, LinkParams
from chaos.faults.registry import register


class LossParams(LinkParams):
    probability: float = Field(
        0.1, gt=0, le=1, description="Probability that a connection or a chunk is reset"
    )


@register
class Loss(LinkFault):
    type = "loss"
    summary = "Reset connections or chunks on the target's links with a probability"
    Params = LossParams
    mechanisms = {
        "local": "fault proxy",
        "docker": "iptables -m statistic DROP in the dialler's network namespace (packet loss)",
        "fake": "recorded",
    }
    proxy_kind = "loss"
