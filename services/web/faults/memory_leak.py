"""``memory-leak``: grow resident memory by ``mb_per_s`` until ``cap_mb``; revert frees it.

Chunks are anonymous mmaps rather than bytearrays so that revert really returns the pages
to the OS (munmap) instead of leaving them in the allocator's free lists, and RSS drops.
Every page is written, because untouched pages would not count towards RSS.
The supervisor outside the process plays the OOM killer; this only leaks.
"""

from __future__ import annotations

import mmap
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from services.web.faults.base import ThreadedFault

MIB = 1024 * 1024
_TICK_SECONDS = 0.1
_FILL = b"\xa5" * MIB


class MemoryLeakParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mb_per_s: float = Field(gt=0)
    cap_mb: float = Field(gt=0)


class MemoryLeakFault(ThreadedFault):
    type_name: ClassVar[str] = "memory-leak"
    Params = MemoryLeakParams
    params: MemoryLeakParams

    def __init__(self, params: MemoryLeakParams) -> None:
        super().__init__(params)
        self._chunks: list[mmap.mmap] = []
        self._leaked_bytes = 0

    @property
    def leaked_bytes(self) -> int:
        return self._leaked_bytes

    def stop(self) -> None:
        super().stop()
        for chunk in self._chunks:
            chunk.close()
        self._chunks.clear()
        self._leaked_bytes = 0

    def work(self) -> None:
        cap = int(self.params.cap_mb * MIB)
        per_tick = self.params.mb_per_s * MIB * _TICK_SECONDS
        owed = 0.0  # carries fractions so slow rates still leak on average
        while not self.stopping.is_set() and self._leaked_bytes < cap:
            owed += per_tick
            size = min(int(owed), cap - self._leaked_bytes)
            if size > 0:
                self._chunks.append(_touched_mapping(size))
                self._leaked_bytes += size
                owed -= size
            self.stopping.wait(_TICK_SECONDS)


def _touched_mapping(size: int) -> mmap.mmap:
    chunk = mmap.mmap(-1, size)
    for offset in range(0, size, MIB):
        chunk.write(_FILL[: min(MIB, size - offset)])
    return chunk
