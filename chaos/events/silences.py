"""`SilenceWatch`: silences for the timeline, as Alertmanager holds them (its v2 API), so
`silence.added` covers every way of making one (`gameday silence add`, amtool, the UI)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

import httpx

from chaos.events.model import Recorded
from chaos.pager.silences import render_matcher

log = logging.getLogger("gameday.events")

POLL_SECONDS = 5.0


def _unix(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def _event(silence: dict) -> Recorded:
    matchers = " ".join(render_matcher(m) for m in silence.get("matchers", []))
    by = silence.get("createdBy") or "someone"
    comment = silence.get("comment") or ""
    return Recorded(
        ts=_unix(silence.get("updatedAt") or silence["startsAt"]), source="silence",
        kind="silence.added", actor="user", ref=silence["id"],
        summary=f"silence {matchers} by {by}" + (f": {comment}" if comment else ""),
        details={"matchers": matchers, "created_by": by, "comment": comment,
                 "ends_at": silence.get("endsAt")},
        key=f"silence.added:{silence['id']}")


class SilenceWatch:
    def __init__(self, http: httpx.AsyncClient, url: Callable[[], str | None], *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.http, self.url, self.clock = http, url, clock
        self.added: dict[str, Recorded] = {}
        self._next = 0.0
        self._failing = False

    async def refresh(self) -> None:
        """Read Alertmanager's silences, at most every POLL_SECONDS; a failure is logged once
        until it answers again, and keeps what was read."""
        base = self.url()
        if base is None or self.clock() < self._next:
            return
        self._next = self.clock() + POLL_SECONDS
        try:
            response = await self.http.get(f"{base.rstrip('/')}/api/v2/silences", timeout=3.0)
            response.raise_for_status()
            silences = response.json()
            for silence in silences:
                if silence["id"] not in self.added:
                    self.added[silence["id"]] = _event(silence)
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            if not self._failing:
                log.warning("could not read Alertmanager's silences: %s", exc)
            self._failing = True
            return
        self._failing = False

    def __call__(self, since: float) -> list[Recorded]:
        return [e for e in self.added.values() if e.ts >= since]
