"""loss: connections or chunks reset with a probability (packets dropped under Docker)."""

from chaos.faults.network import link_fault

Loss = link_fault(
    "loss",
    "Reset connections or chunks on the target's links with a probability",
    mechanisms={
        "local": "fault proxy",
        "docker": "iptables -m statistic DROP in the dialler's network namespace (packet loss)",
        "fake": "recorded",
    },
)
