from __future__ import annotations

from chaos.faults.base import Fault
from chaos.faults.registry import register


@register
class DiskFill(Fault):
    type = "disk-fill"
    summary = "Write into etcd until its backend quota raises the NOSPACE alarm"
    roles = frozenset({"store"})
    needs = frozenset({"store-admin"})
    mechanisms = {
        "local": "etcd writes up to --quota-backend-bytes; revert deletes, compacts, "
        "defragments and disarms",
        "docker": "etcd writes up to --quota-backend-bytes; revert deletes, compacts, "
        "defragments and disarms",
        "fake": "recorded",
    }

    async def apply(self) -> None:
        await self.ctx.store.fill(self.targets[0], self.id)

    async def revert(self) -> None:
        await self.ctx.store.unfill(self.id)
