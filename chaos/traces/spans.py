"""One stored span, as the store keeps it and the API answers it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["unset", "ok", "error"]


@dataclass(frozen=True, slots=True)
class Span:
    trace_id: str  # 32 lowercase hex digits
    span_id: str  # 16 lowercase hex digits
    parent_span_id: str | None
    service: str
    name: str
    start_ns: int
    end_ns: int
    kind: str = "internal"
    status: Status = "unset"
    status_message: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)

    @property
    def duration_ns(self) -> int:
        return max(0, self.end_ns - self.start_ns)
