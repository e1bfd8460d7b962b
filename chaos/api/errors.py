"""The one shape of every refused request: `detail` for people, `errors` for forms.

`errors` lists `{field, message}` so the console and the CLI can point at the field; it is
empty when no single field is to blame.
"""

from __future__ import annotations

from fastapi.responses import JSONResponse


def error_response(status: int, detail: str, errors: list[dict] | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content={"detail": detail, "errors": errors or []})


def refusal(exc) -> JSONResponse:
    """A service's refusal (FaultError, DrillError, RunError: status, message, errors)."""
    return error_response(exc.status, exc.message, exc.errors)
