from __future__ import annotations

from chaos.faults.network import LinkFault, LinkParams
from chaos.faults.registry import register
from chaos.netfaults import schemas


class LossParams(LinkParams, schemas.LossParams):
    pass


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
