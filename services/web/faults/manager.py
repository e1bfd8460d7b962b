"""The faults active in this instance, their expiry timers and the active-faults gauge.

``expires_in`` is a dead-man's switch: if the controller dies after applying a fault, the
fault still removes itself. Posting an id that is already active replaces that fault, so a
controller retrying an apply after a timeout does not stack two faults.

``quiet`` (set by the controller while a drill runs, like the fault proxy's) exports no
``web_app_faults_active`` series at all: a learner reading Prometheus must find the fault from
its symptoms, not from its name. The faults keep working; their metric returns with quiet off.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import Gauge

from services.web.faults.base import Fault
from services.web.faults.http_errors import HttpErrorsFault
from services.web.faults.http_latency import HttpLatencyFault


@dataclass
class ActiveFault:
    id: str
    fault: Fault
    applied_at: float
    expires_at: float | None
    timer: asyncio.TimerHandle | None = field(default=None, repr=False)

    def describe(self) -> dict[str, Any]:
        remaining = None if self.expires_at is None else max(0.0, self.expires_at - time.time())
        return {
            "id": self.id,
            "type": self.fault.type_name,
            "params": self.fault.params.model_dump(),
            "applied_at": self.applied_at,
            "expires_at": self.expires_at,
            "expires_in": remaining,
        }


class FaultManager:
    def __init__(self, fault_types: Mapping[str, type[Fault]], active_gauge: Gauge) -> None:
        self._types = fault_types
        self._gauge = active_gauge
        self._active: dict[str, ActiveFault] = {}
        self._quiet = False
        # Snapshots read on every request by the fault middleware; rebuilt on change only.
        self.latency_faults: tuple[HttpLatencyFault, ...] = ()
        self.error_faults: tuple[HttpErrorsFault, ...] = ()
        self._publish()

    @property
    def quiet(self) -> bool:
        return self._quiet

    @quiet.setter
    def quiet(self, quiet: bool) -> None:
        self._quiet = quiet
        self._publish()

    @property
    def any_http_fault(self) -> bool:
        return bool(self.latency_faults or self.error_faults)

    def apply(self, fault_id: str, fault: Fault, expires_in: float | None) -> ActiveFault:
        self.revert(fault_id)
        now = time.time()
        active = ActiveFault(
            id=fault_id,
            fault=fault,
            applied_at=now,
            expires_at=None if expires_in is None else now + expires_in,
        )
        fault.start()
        if expires_in is not None:
            loop = asyncio.get_running_loop()
            active.timer = loop.call_later(expires_in, self._expire, active)
        self._active[fault_id] = active
        self._publish()
        return active

    def revert(self, fault_id: str) -> bool:
        active = self._active.pop(fault_id, None)
        if active is None:
            return False
        if active.timer is not None:
            active.timer.cancel()
        active.fault.stop()
        self._publish()
        return True

    def revert_all(self) -> int:
        ids = list(self._active)
        for fault_id in ids:
            self.revert(fault_id)
        return len(ids)

    def describe_all(self) -> list[dict[str, Any]]:
        return [active.describe() for active in self._active.values()]

    def _expire(self, active: ActiveFault) -> None:
        # Only the exact fault this timer was set for: the id may have been re-applied.
        if self._active.get(active.id) is active:
            self.revert(active.id)

    def _publish(self) -> None:
        faults = [active.fault for active in self._active.values()]
        self.latency_faults = tuple(f for f in faults if isinstance(f, HttpLatencyFault))
        self.error_faults = tuple(f for f in faults if isinstance(f, HttpErrorsFault))
        if self._quiet:
            self._gauge.clear()  # no series, not even zeros: nothing to compare between peers
            return
        for type_name in self._types:
            count = sum(1 for f in faults if f.type_name == type_name)
            self._gauge.labels(type=type_name).set(count)
