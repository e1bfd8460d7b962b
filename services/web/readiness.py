"""Readiness: can this instance serve, i.e. does some store endpoint see a Raft leader?

HAProxy asks every 500 ms per instance; the answer is cached for 250 ms and concurrent
probes share one check, so readiness never adds meaningful load on etcd.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from services.web.store_client import EtcdGateway
from services.web.store_errors import StoreError


@dataclass(frozen=True, slots=True)
class Readiness:
    ready: bool
    detail: str
    checked_at: float


class ReadinessProbe:
    def __init__(self, gateway: EtcdGateway, cache_seconds: float = 0.25) -> None:
        self._gateway = gateway
        self._cache_seconds = cache_seconds
        self._last: Readiness | None = None
        self._lock = asyncio.Lock()

    async def check(self) -> Readiness:
        if self._is_fresh(self._last):
            return self._last  # type: ignore[return-value]
        async with self._lock:
            # Another probe may have refreshed it while this one waited for the lock.
            if self._is_fresh(self._last):
                return self._last  # type: ignore[return-value]
            self._last = await self._probe()
            return self._last

    def _is_fresh(self, readiness: Readiness | None) -> bool:
        return (
            readiness is not None and time.monotonic() - readiness.checked_at < self._cache_seconds
        )

    async def _probe(self) -> Readiness:
        try:
            status = await self._gateway.find_leader()
        except StoreError as exc:
            return Readiness(False, str(exc), time.monotonic())
        detail = f"{status.endpoint} sees leader {status.leader:x} (term {status.raft_term})"
        return Readiness(True, detail, time.monotonic())
