"""Web's access line: one per recorded request, and one per 5xx whatever its sampling.

A line (services/jsonlog.py) carries the request's trace id (and span id when its span is
recorded), so the central log store finds it by the `X-Trace-Id` a user quotes. Only recorded
requests are logged (a user's request always is; the load generator's at its sampling ratio),
plus every 5xx (the symptom an on-call engineer searches for): logging every request would
cost as much CPU as the request.

Not a middleware of its own: the tracing middleware (services/web/trace_middleware.py)
already wraps every traced request's answer for its trace id and status, so it calls
`log_request` once the answer is out, and an unrecorded request pays for one wrapper, not
two. Health checks, scrapes and the controller's `/admin` calls are not traced, so not logged.
"""

from __future__ import annotations

import logging

from starlette.types import Scope

log = logging.getLogger("services.web.access")


def log_request(scope: Scope, status: int, seconds: float, trace_id: bytes,
                span_id: str | None, recorded: bool) -> None:
    """The line for one answered request: INFO when recorded, ERROR for a 5xx."""
    if not recorded and status < 500:
        return
    log.log(logging.ERROR if status >= 500 else logging.INFO,
            "%s %s %d %.1fms", scope["method"], scope["path"], status, seconds * 1000,
            extra={"trace_id": trace_id.decode("ascii"), "span_id": span_id})
