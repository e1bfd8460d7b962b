"""The fault types this service knows, by the name the admin API uses."""

from __future__ import annotations

from services.web.faults.base import Fault
from services.web.faults.cpu_burn import CpuBurnFault
from services.web.faults.http_errors import HttpErrorsFault
from services.web.faults.http_latency import HttpLatencyFault
from services.web.faults.memory_leak import MemoryLeakFault

FAULT_TYPES: dict[str, type[Fault]] = {
    cls.type_name: cls for cls in (HttpErrorsFault, HttpLatencyFault, CpuBurnFault, MemoryLeakFault)
}
