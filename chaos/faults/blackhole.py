"""blackhole: the fault proxy accepts connections on the target's links and never answers."""

from chaos.faults.network import link_fault

Blackhole = link_fault("blackhole", "Accept connections on the target's links but never answer")
