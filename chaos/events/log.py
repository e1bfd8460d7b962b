"""`EventLog`: the timeline on disk, JSON lines in `<state-dir>/events.jsonl`, append-only and
bounded by size: when the file would pass `max_bytes` it becomes `events.jsonl.1` (dropping
the previous one) and a new file starts, so at most 2 x `max_bytes` are kept. Reading goes
across both files, oldest first; it survives a controller restart because it is only a file."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

from chaos.events.model import Recorded

log = logging.getLogger("gameday.events")

MAX_BYTES = 8 * 1024 * 1024
_TS_PREFIX = b'{"ts":'


def _older(line: bytes, since: float) -> bool:
    """Whether a line (as `append` writes it: `ts` first) is older than `since`, read from its
    prefix without parsing the rest; anything else is parsed in full."""
    if not since or not line.startswith(_TS_PREFIX):
        return False
    end = line.find(b",", len(_TS_PREFIX))
    try:
        return float(line[len(_TS_PREFIX):end]) < since
    except ValueError:
        return False


class EventLog:
    def __init__(self, path: Path, max_bytes: int = MAX_BYTES) -> None:
        self.path = path
        self.rotated_path = path.with_name(path.name + ".1")
        self.max_bytes = max_bytes
        path.parent.mkdir(parents=True, exist_ok=True)

    @property
    def has_rotated(self) -> bool:
        """Whether older events may have been dropped (a rotation happened at least once)."""
        return self.rotated_path.exists()

    def append(self, events: list[Recorded]) -> bool:
        """Append `events`, rotating first when a line would not fit; True if it rotated."""
        rotated = False
        for event in events:
            line = (event.model_dump_json() + "\n").encode()
            size = self.path.stat().st_size if self.path.exists() else 0
            if size and size + len(line) > self.max_bytes:
                self.path.replace(self.rotated_path)
                rotated = True
            with self.path.open("ab") as out:
                out.write(line)
        return rotated

    def read(self, since: float = 0.0) -> list[Recorded]:
        """Every kept event at or after `since`, oldest first."""
        events = [e for e in self._scan(since) if e.ts >= since]
        return sorted(events, key=lambda e: e.ts)

    def _scan(self, since: float = 0.0) -> Iterator[Recorded]:
        for path in (self.rotated_path, self.path):
            try:
                lines = path.read_bytes().splitlines()
            except FileNotFoundError:
                continue
            for line in lines:
                if _older(line, since):
                    continue  # most of a long log, when a reader asks for the last minutes
                try:
                    yield Recorded.model_validate(json.loads(line))
                except ValueError:  # a torn last line after a crash: skip it, keep the rest
                    log.warning("skipping an unreadable event line in %s", path)
