"""The controller's HTTP application: one router per resource."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry, ProcessCollector
from starlette.exceptions import HTTPException as StarletteHTTPException

from chaos import console
from chaos.api import (
    components,
    drills,
    events,
    faults,
    load,
    logs,
    metrics,
    monkey,
    pages,
    prometheus_proxy,
    remediation,
    scenarios,
    schedules,
    status,
    traces,
)
from chaos.api.errors import InternalErrors, error_response, http_error, refused
from chaos.api.surface import ControllerSurface
from chaos.refusal import Refusal


def _field(loc: tuple) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "body"


async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    """422 that names each bad field, in the same shape as the fault manager's errors."""
    errors = [{"field": _field(e["loc"]), "message": e["msg"]} for e in exc.errors()]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return error_response(422, detail, errors)


def create_app(
    controller: ControllerSurface,
    token: str,
    registry: CollectorRegistry | None = None,
    request_exit: Callable[[], None] | None = None,
) -> FastAPI:
    app = FastAPI(title="gameday controller", version="0.1.0")
    app.state.controller = controller
    app.state.token = token
    # The stack's admin token (its components hold it): accepted on the webhook alone.
    app.state.admin_token = controller.plan.admin_token
    app.state.request_exit = request_exit or (lambda: None)
    app.state.pager = controller.pager
    if registry is None:
        registry = CollectorRegistry()
        ProcessCollector(registry=registry)
    registry.register(metrics.StackCollector(controller))
    registry.register(metrics.FaultCollector(controller))
    registry.register(metrics.RemediationCollector(lambda: controller.remediation.actions))
    app.state.registry = registry
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Refusal, refused)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_middleware(InternalErrors)
    for module in (status, components, faults, load, metrics, prometheus_proxy, schedules, monkey,
                   scenarios, remediation, drills, pages, events, traces, logs):
        app.include_router(module.router)
    console.install(app)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict:
        return {"ok": True}

    return app
