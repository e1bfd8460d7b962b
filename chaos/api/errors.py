"""The one shape of every refused request: `detail` for people, `errors` for forms.

`errors` lists `{field, message}` so the console and the CLI can point at the field; it is
empty when no single field is to blame.
"""

from __future__ import annotations

import logging
import uuid

from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from chaos.refusal import Refusal

log = logging.getLogger("gameday.api")


def error_response(status: int, detail: str, errors: list[dict] | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content={"detail": detail, "errors": errors or []})


async def refused(_request, exc: Refusal) -> JSONResponse:
    """The one handler for every service's refusal (FaultError, DrillError, RunError, ...)."""
    return error_response(exc.status, exc.message, exc.errors)


async def http_error(_request, exc: HTTPException) -> JSONResponse:
    """Starlette's own refusals (401 without the token, 404 for no such route, 405) in the
    same shape."""
    response = error_response(exc.status_code, str(exc.detail))
    response.headers.update(exc.headers or {})
    return response


class InternalErrors:
    """Pure ASGI middleware: an exception nothing else handled becomes a JSON 500 with an
    incident id (the traceback goes to the log, never into the body). It is the last net;
    known failures are answered where they happen, naming what failed."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            incident = uuid.uuid4().hex[:8]
            log.exception("internal error %s on %s %s", incident, scope["method"], scope["path"])
            if started:
                raise
            response = error_response(
                500, f"internal error {incident}: the controller's log has the details"
            )
            await response(scope, receive, send)
