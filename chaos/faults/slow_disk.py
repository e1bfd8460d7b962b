from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from chaos.faults.base import Fault
from chaos.faults.registry import register
from chaos.runtime import cgroups


class SlowDiskParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    write_bytes_per_s: int = Field(1_000_000, gt=0, description="Write throughput cap")
    write_iops: int = Field(
        20,
        ge=0,
        description="Write operations per second cap (0: none). etcd's WAL fsyncs are a few "
        "KiB each, so this is the cap that slows them: 20 makes each take ~100-250 ms",
    )


CAPABILITY = "blkio-throttle"
HOW = (
    "cgroup block-I/O write cap on the member's disk (v1 blkio.throttle.write_bps_device and "
    "write_iops_device, v2 io.max); it slows what the kernel charges to the member (its fsyncs, "
    "direct I/O), not page-cache writes flushed later by the kernel. Needs root and a "
    "read-write blkio/io cgroup hierarchy"
)


@register
class SlowDisk(Fault):
    type = "slow-disk"
    summary = "Throttle the store member's disk writes (slow fsync)"
    Params = SlowDiskParams
    roles = frozenset({"store"})
    needs = frozenset({CAPABILITY})
    mechanisms = {
        "local": "the member's processes move into a cgroup of their own with a " + HOW,
        "docker": "the member container's own cgroup gets a " + HOW + " (inside the controller "
        "container: the host's cgroup hierarchy mounted read-write)",
        "fake": "recorded",
    }

    @classmethod
    def support(cls, runtime: str, capabilities: set[str]) -> str | None:
        """Supported where throttling works here: the kernel decides, so the host is asked."""
        if CAPABILITY in capabilities:
            return None
        if runtime in ("local", "docker"):
            return cgroups.unavailable_reason()
        return super().support(runtime, capabilities)

    async def apply(self) -> None:
        if self.ctx.disk is None:
            raise RuntimeError("this controller has no disk control")
        params: SlowDiskParams = self.params  # type: ignore[assignment]
        for member in self.targets:
            await self.ctx.disk.throttle(
                member, self.id, params.write_bytes_per_s, params.write_iops
            )

    async def revert(self) -> None:
        if self.ctx.disk is None:
            return
        for member in self.targets:
            await self.ctx.disk.unthrottle(member, self.id)
