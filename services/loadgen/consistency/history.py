"""What the checker's clients did and saw, as plain records.

Times come from `time.monotonic()`, which on Linux is one clock for every process on the host,
so records from a Locust master and its workers can be compared directly. Each record is
taken conservatively: `start` before the request is sent and `end` after the response is
read, so scheduling delays only widen the interval and can hide a violation, never invent one.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Write:
    """A PUT of a unique value. `revision` is None when the outcome is unknown."""

    key: str
    value: str
    start: float
    end: float
    revision: int | None

    @property
    def acknowledged(self) -> bool:
        # Anything short of a 200 with a revision (timeout, 503, reset...) may or may not have
        # been applied, so it is indeterminate rather than failed.
        return self.revision is not None


@dataclass(frozen=True)
class Read:
    """A successful GET: the value seen (None for a 404) and the revision that wrote it."""

    key: str
    start: float
    end: float
    value: str | None
    revision: int
    sweep: bool = False


Event = Write | Read


def encode(event: Event) -> dict[str, Any]:
    """A msgpack/JSON friendly form, used to ship events from Locust workers to the master."""
    return {"type": type(event).__name__, **asdict(event)}


def decode(data: dict[str, Any]) -> Event:
    fields = {k: v for k, v in data.items() if k != "type"}
    if data["type"] == "Write":
        return Write(**fields)
    if data["type"] == "Read":
        return Read(**fields)
    raise ValueError(f"unknown history event type {data['type']!r}")
