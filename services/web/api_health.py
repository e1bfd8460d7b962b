"""Liveness, readiness and the Prometheus exposition endpoint.

`/metrics` answers OpenMetrics when the scraper asks for it (`Accept:
application/openmetrics-text`, as Prometheus does): only that format carries the latency
histogram's exemplars. Anyone else (curl, a browser) gets the Prometheus text format."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client.exposition import choose_encoder

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
    encode, content_type = choose_encoder(request.headers.get("accept", ""))
    body = encode(request.app.state.metrics.registry)
    return Response(content=body, headers={"Content-Type": content_type})
