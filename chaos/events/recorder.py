"""`EventRecorder`: appends each derived event to the `EventLog` exactly once, as it happens
(`sync()` runs every second, and before every read). The keys already in the log are read back
at start, so a restarted controller appends nothing twice; once the log has rotated, events
older than the oldest kept one are not appended again either."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from chaos.events.log import EventLog
from chaos.events.model import Recorded

log = logging.getLogger("gameday.events")

SYNC_SECONDS = 1.0


class EventRecorder:
    def __init__(self, log_: EventLog, sources: Callable[[float], list[Recorded]],
                 refresh: Callable[[], Awaitable[None]] | None = None) -> None:
        self.log = log_
        self.sources = sources  # since -> the derived events at or after it
        self.refresh = refresh  # what must be fetched (Alertmanager's silences) before a sync
        self._reload()

    def _reload(self) -> None:
        kept = self.log.read()
        self.keys = {e.key for e in kept}
        self.floor = kept[0].ts if (kept and self.log.has_rotated) else 0.0

    def sync(self) -> list[Recorded]:
        """Append what the sources know and the log does not; answer what was appended."""
        new = [e for e in self.sources(self.floor) if e.key not in self.keys]
        if not new:
            return []
        self.keys |= {e.key for e in new}
        if self.log.append(new):
            self._reload()
        return new

    def record(self, event: Recorded) -> None:
        """Append an event that only an API edge sees (a load change), once."""
        if event.key in self.keys:
            return
        self.keys.add(event.key)
        if self.log.append([event]):
            self._reload()

    def read(self, since: float) -> list[Recorded]:
        self.sync()
        return self.log.read(since)

    async def run(self, seconds: float = SYNC_SECONDS) -> None:
        while True:
            try:
                if self.refresh is not None:
                    await self.refresh()
                self.sync()
            except Exception:  # one bad read must not end the timeline
                log.exception("event recording failed")
            await asyncio.sleep(seconds)
