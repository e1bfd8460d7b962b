"""Liveness, readiness and the Prometheus exposition endpoint."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

router = APIRouter(tags=["ops"])


@router.get("/healthz")
async def healthz(request: Request) -> dict[str, str]:
    # Alive means the event loop answers; the store's health is /readyz's business.
    settings = request.app.state.settings
    return {"status": "ok", "name": settings.name, "release": settings.release}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    readiness = await request.app.state.readiness.check()
    return JSONResponse(
        status_code=200 if readiness.ready else 503,
        content={"ready": readiness.ready, "detail": readiness.detail},
    )


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    body = generate_latest(request.app.state.metrics.registry)
    return Response(content=body, media_type=CONTENT_TYPE_LATEST)
