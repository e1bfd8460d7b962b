"""The fault catalog: importing this package registers every fault type."""

from chaos.faults import (  # noqa: F401 - imported for their registration
    app,
    bad_deploy,
    bandwidth,
    blackhole,
    disk_fill,
    kill,
    latency,
    loss,
    partition,
    pause,
    restart,
    slow_disk,
    stop,
)
from chaos.faults.registry import FAULTS

__all__ = ["FAULTS"]
