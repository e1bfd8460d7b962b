"""Exception handlers: every failure leaves as JSON, never as a traceback.

* invalid input -> 422 ``invalid_request`` naming each field and its limit
* store trouble -> 503 ``store_unavailable`` / ``store_full`` with ``Retry-After: 1``
* HTTP errors raised by handlers -> their status with ``{"error", "detail"}``
* anything else -> 500 ``internal_error`` (the traceback goes to the log only)
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from services.web.store_errors import StoreError, StoreFull
from services.web.validation import InvalidRequest, problems_from_pydantic

log = logging.getLogger(__name__)

_ERROR_NAMES = {
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
}


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(InvalidRequest, _invalid_request)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StoreError, _store_error)
    app.add_exception_handler(HTTPException, _http_exception)
    app.add_exception_handler(Exception, _unexpected)


def invalid_request_response(problems: list[dict[str, str]]) -> JSONResponse:
    return JSONResponse(status_code=422, content={"error": "invalid_request", "detail": problems})


async def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InvalidRequest)
    return invalid_request_response(exc.problems)


async def _request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return invalid_request_response(problems_from_pydantic(exc.errors()))


async def _store_error(request: Request, exc: Exception) -> JSONResponse:
    error = "store_full" if isinstance(exc, StoreFull) else "store_unavailable"
    return JSONResponse(
        status_code=503,
        content={"error": error, "detail": str(exc) or type(exc).__name__},
        # Clients and HAProxy retry soon rather than treating the instance as broken.
        headers={"Retry-After": "1"},
    )


async def _http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    error = _ERROR_NAMES.get(exc.status_code, "http_error")
    return JSONResponse(
        status_code=exc.status_code,
        content={"error": error, "detail": exc.detail},
        headers=exc.headers,
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return JSONResponse(
        status_code=500,
        content={"error": "internal_error", "detail": "unexpected error, see the service log"},
    )
