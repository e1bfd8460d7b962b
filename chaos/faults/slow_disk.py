from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from chaos.faults.base import Fault
from chaos.faults.registry import register


class SlowDiskParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    write_bytes_per_s: int = Field(1_000_000, gt=0, description="Write throughput cap")


@register
class SlowDisk(Fault):
    type = "slow-disk"
    summary = "Throttle the store member's disk writes (slow fsync)"
    Params = SlowDiskParams
    roles = frozenset({"store"})
    needs = frozenset({"blkio-throttle"})
    mechanisms = {}
    unsupported = {
        "local": "local processes share the host's disk; throttling one process's writes "
        "needs a cgroup with an io controller per process, which the local runtime does not "
        "create. Use the Docker runtime.",
        "docker": "`docker update` cannot change a running container's device write limits "
        "(--device-write-bps is create-time only) and cgroup v1 does not throttle buffered "
        "writes; not implemented.",
        "fake": "not modelled",
    }

    async def apply(self) -> None:  # pragma: no cover - no runtime offers it yet
        raise NotImplementedError("no runtime throttles disk writes yet")

    async def revert(self) -> None:
        """Nothing was applied."""
