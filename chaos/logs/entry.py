"""One log line as the central store keeps it, and the levels it ranks lines by."""

from __future__ import annotations

from dataclasses import dataclass

# Python's names and numbers; other formats' names are mapped onto them by the parsers.
LEVELS = ("debug", "info", "warning", "error", "critical")
RANK = {"debug": 10, "info": 20, "warning": 30, "error": 40, "critical": 50}


@dataclass(frozen=True, slots=True)
class LogLine:
    """A parsed line: `time` (unix seconds) is None when the line does not say it (the
    ingester then stamps it with the time it read it); `level` None for a plain text line."""

    message: str
    time: float | None = None
    level: str | None = None
    logger: str | None = None
    trace_id: str | None = None
    span_id: str | None = None


@dataclass(frozen=True, slots=True)
class LogEntry:
    """A stored line: its id (ascending in the order lines were stored) and its component."""

    id: int
    time: float
    component: str
    level: str | None
    logger: str | None
    message: str
    trace_id: str | None
    span_id: str | None
