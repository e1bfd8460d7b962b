"""``http-latency``: delay a share of requests before they are served."""

from __future__ import annotations

import random
from typing import ClassVar

from pydantic import Field

from services.web.faults.base import Fault
from services.web.faults.http_target import HttpTargetParams


class HttpLatencyParams(HttpTargetParams):
    ms: float = Field(ge=0)
    jitter_ms: float = Field(default=0, ge=0)


class HttpLatencyFault(Fault):
    type_name: ClassVar[str] = "http-latency"
    Params = HttpLatencyParams
    params: HttpLatencyParams

    def delay_for(self, method: str, route: str) -> float:
        """Seconds to wait before serving this request (0 when the fault misses it)."""
        if not self.params.hits(method, route):
            return 0.0
        return (self.params.ms + random.uniform(0, self.params.jitter_ms)) / 1000
