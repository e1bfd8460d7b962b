"""bandwidth: the fault proxy caps each connection's throughput on the target's links."""

from chaos.faults.network import link_fault

Bandwidth = link_fault("bandwidth", "Cap throughput on the target's links at bytes_per_s")
