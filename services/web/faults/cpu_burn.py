"""``cpu-burn``: keep ``cores`` CPU cores busy for ``share`` of the time.

Each core is a thread hashing a large buffer: hashlib releases the GIL for inputs over
2 KiB, so several threads really run in parallel and ``process_cpu_seconds_total`` rises
by about ``cores * share`` per second. The duty cycle is applied per 100 ms slice.
"""

from __future__ import annotations

import hashlib
import threading
import time
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from services.web.faults.base import Fault

SLICE_SECONDS = 0.1
_BUFFER = b"\x5a" * (256 * 1024)  # ~0.5 ms of sha256: short enough to stop promptly


class CpuBurnParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cores: int = Field(ge=1, le=8)
    share: float = Field(ge=0.0, le=1.0)


class CpuBurnFault(Fault):
    type_name: ClassVar[str] = "cpu-burn"
    Params = CpuBurnParams
    params: CpuBurnParams

    def __init__(self, params: CpuBurnParams) -> None:
        super().__init__(params)
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for index in range(self.params.cores):
            thread = threading.Thread(target=self._burn, name=f"cpu-burn-{index}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stopping.set()
        for thread in self._threads:
            thread.join(timeout=1.0)
        self._threads.clear()

    def _burn(self) -> None:
        busy = SLICE_SECONDS * self.params.share
        while not self._stopping.is_set():
            slice_start = time.monotonic()
            while time.monotonic() - slice_start < busy and not self._stopping.is_set():
                hashlib.sha256(_BUFFER).digest()
            idle = SLICE_SECONDS - (time.monotonic() - slice_start)
            if idle > 0:
                self._stopping.wait(idle)
