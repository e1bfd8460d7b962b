"""Readiness: can this instance serve, i.e. does some store endpoint see a Raft leader?

HAProxy asks every 500 ms per instance (every 100 ms while the instance is out of rotation)
and the controller every 500 ms; concurrent probes share one check, and a "ready" answer is
cached for 250 ms, so readiness never adds meaningful load on etcd. A "not ready" answer is
kept for 50 ms only: while a store election runs every instance is out of rotation, and the
first probe after the new leader is known should say so, not a cached "no leader".
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
    def __init__(self, gateway: EtcdGateway, cache_seconds: float = 0.25,
                 not_ready_cache_seconds: float = 0.05) -> None:
        self._gateway = gateway
        self._cache_seconds = cache_seconds
        self._not_ready_cache_seconds = not_ready_cache_seconds
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
        if readiness is None:
            return False
        kept = self._cache_seconds if readiness.ready else self._not_ready_cache_seconds
        return time.monotonic() - readiness.checked_at < kept

    async def _probe(self) -> Readiness:
        try:
            status = await self._gateway.find_leader()
        except StoreError as exc:
            return Readiness(False, str(exc), time.monotonic())
        detail = f"{status.endpoint} sees leader {status.leader:x} (term {status.raft_term})"
        return Readiness(True, detail, time.monotonic())
