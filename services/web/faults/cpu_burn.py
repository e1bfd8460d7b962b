"""``cpu-burn``: keep ``cores`` CPU cores busy for ``share`` of the time.

Each core is a thread hashing a large buffer: hashlib releases the GIL for inputs over
2 KiB, so several threads really run in parallel and ``process_cpu_seconds_total`` rises
by about ``cores * share`` per second. The duty cycle is applied per 100 ms slice.
"""

from __future__ import annotations

import hashlib
import time
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from services.web.faults.base import ThreadedFault

SLICE_SECONDS = 0.1
_BUFFER = b"\x5a" * (256 * 1024)  # ~0.5 ms of sha256: short enough to stop promptly


class CpuBurnParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cores: int = Field(ge=1, le=8)
    share: float = Field(ge=0.0, le=1.0)


class CpuBurnFault(ThreadedFault):
    type_name: ClassVar[str] = "cpu-burn"
    Params = CpuBurnParams
    params: CpuBurnParams

    def thread_names(self) -> list[str]:
        return [f"cpu-burn-{index}" for index in range(self.params.cores)]

    def work(self) -> None:
        busy = SLICE_SECONDS * self.params.share
        while not self.stopping.is_set():
            slice_start = time.monotonic()
            while time.monotonic() - slice_start < busy and not self.stopping.is_set():
                hashlib.sha256(_BUFFER).digest()
            idle = SLICE_SECONDS - (time.monotonic() - slice_start)
            if idle > 0:
                self.stopping.wait(idle)
