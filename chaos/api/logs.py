"""Central logs: `GET /api/logs`, every component's lines from the controller's log store
(chaos/logs), searched and interleaved by time. Reads are open, like every other read.

While a drill runs, lines that would give its fault away are withheld (chaos/drills/hiding.py,
`log_filter`) until the reveal; the symptoms stay.
"""

from __future__ import annotations

import asyncio
import re
import time

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from chaos.drills import hiding
from chaos.durations import parse_duration
from chaos.logs.entry import LEVELS, LogEntry
from chaos.logs.store import LogQuery
from chaos.refusal import Refusal

router = APIRouter(tags=["logs"])

MAX_LIMIT = 5000
DEFAULT_LIMIT = 200
KNOWN_PARAMS = ("component", "grep", "level", "since", "trace_id", "after", "limit")
_TRACE_ID = re.compile(r"^[0-9a-f]{32}$")
_COMPONENT = re.compile(r"^[a-z][a-z0-9-]{0,63}$")


class LogItem(BaseModel):
    id: int
    time: float  # unix seconds
    component: str
    level: str | None
    logger: str | None
    message: str
    trace_id: str | None
    span_id: str | None


def _refuse(field: str, message: str) -> Refusal:
    return Refusal(422, f"{field}: {message}", field=field)


def query_of(params: dict[str, str], components: list[str], now: float) -> LogQuery:
    """The store query for the route's parameters, or a Refusal naming the bad one."""
    for name in components:
        if not _COMPONENT.match(name):
            raise _refuse("component", f"{name!r} is not a component name; use one like "
                                       "web-1, store-2, lb, proxy, controller")
    level = (params.get("level") or "").strip().lower() or None
    if level is not None and level not in LEVELS:
        raise _refuse("level", f"{params['level']!r} is not a level; allowed: "
                               f"{', '.join(LEVELS)}")
    since = None
    if params.get("since"):
        try:
            since = now - parse_duration(params["since"])
        except ValueError as exc:
            raise _refuse("since", f"{exc} (a duration such as 90s, 10m, 2h)") from None
    trace_id = (params.get("trace_id") or "").strip().lower() or None
    if trace_id is not None and not _TRACE_ID.match(trace_id):
        raise _refuse("trace_id", f"{params['trace_id']!r} is not a trace id; use 32 hex "
                                  "digits (the X-Trace-Id header of a response)")
    after = params.get("after") or None
    if after is not None and (not (after.isascii() and after.isdigit()) or len(after) > 18):
        raise _refuse("after", f"{after!r} is not an entry id; use the id of an entry "
                               "already read (a whole number, 0 or more)")
    raw_limit = params.get("limit") or str(DEFAULT_LIMIT)
    if not (raw_limit.isascii() and raw_limit.isdigit()) or not 1 <= int(raw_limit) <= MAX_LIMIT:
        raise _refuse("limit", f"{raw_limit!r} is not allowed; use 1 to {MAX_LIMIT}")
    grep = params.get("grep") or None
    if grep is not None and len(grep) > 1000:
        raise _refuse("grep", "at most 1000 characters")
    return LogQuery(components=tuple(dict.fromkeys(components)), grep=grep, min_level=level,
                    since=since, trace_id=trace_id, after=int(after) if after else None,
                    limit=int(raw_limit))


def drill_log_filter(controller):
    """What a running drill withholds, or None when no drill runs."""
    drills = controller.drills
    if not drills.running:
        return None
    return hiding.log_filter(controller.faults.records, drills.hidden_fault_ids(),
                             drills.drill.started_at)


def _item(entry: LogEntry) -> LogItem:
    return LogItem(id=entry.id, time=entry.time, component=entry.component, level=entry.level,
                   logger=entry.logger, message=entry.message, trace_id=entry.trace_id,
                   span_id=entry.span_id)


@router.get("/api/logs", response_model=list[LogItem])
async def list_logs(
    request: Request,
    component: list[str] = Query(default=[], description="Only these components (repeat it)."),
    grep: str | None = Query(default=None, description="Full text: these words, in order."),
    level: str | None = Query(default=None, description="At least: " + ", ".join(LEVELS)),
    since: str | None = Query(default=None, description="Within this long: 90s, 10m, 2h."),
    trace_id: str | None = Query(default=None, description="Lines of this trace (32 hex)."),
    after: str | None = Query(default=None, description="Stored after this entry id."),
    limit: str | None = Query(default=None, description=f"1 to {MAX_LIMIT}, default "
                                                        f"{DEFAULT_LIMIT}."),
) -> list[LogItem]:
    """Every component's log lines, oldest first, interleaved by time: without `after` the
    newest `limit` matching lines, with it the first `limit` stored after that entry id (to
    follow). A line's `level`, `logger`, `trace_id` and `span_id` may be null."""
    unknown = sorted(set(request.query_params) - set(KNOWN_PARAMS))
    if unknown:
        raise _refuse(unknown[0], f"not a parameter; allowed: {', '.join(KNOWN_PARAMS)}")
    params = {"grep": grep, "level": level, "since": since, "trace_id": trace_id,
              "after": after, "limit": limit}
    query = query_of({k: v for k, v in params.items() if v is not None}, component, time.time())
    controller = request.app.state.controller
    found = await asyncio.to_thread(controller.logs.query, query, drill_log_filter(controller))
    return [_item(e) for e in found]
