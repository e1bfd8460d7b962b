"""Read-only pass-through to the stack's Prometheus query API, for the console.

The console is served by the controller, so querying Prometheus through it keeps the page
same-origin (no CORS setup on Prometheus) and works wherever the controller is reachable.
Only the query endpoints and their documented parameters are forwarded: `query`,
`query_range`, and `query_exemplars` (the trace ids on web's latency histogram, so a chart's
spike opens a trace). Exemplars carry only a `trace_id`, nothing a drill would hide.
"""

from __future__ import annotations

import httpx
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

router = APIRouter(prefix="/api/prom", tags=["prometheus"])

ALLOWED_PARAMS = {
    "query": {"query", "time", "timeout"},
    "query_range": {"query", "start", "end", "step", "timeout"},
    "query_exemplars": {"query", "start", "end"},
}
# Range queries over a long window take longer than the controller client's default timeout.
TIMEOUT_SECONDS = 10.0


def _prometheus_url(request: Request) -> str | None:
    return request.app.state.controller.plan.reach("prometheus")


async def _forward(request: Request, endpoint: str) -> Response:
    base = _prometheus_url(request)
    if base is None:
        return JSONResponse(
            status_code=503,
            content={
                "status": "error",
                "errorType": "unavailable",
                "error": "this stack has no prometheus endpoint",
            },
        )
    unknown = sorted(set(request.query_params) - ALLOWED_PARAMS[endpoint])
    if unknown:
        return JSONResponse(
            status_code=400,
            content={
                "status": "error",
                "errorType": "bad_data",
                "error": f"unsupported parameters: {', '.join(unknown)}; "
                f"allowed: {', '.join(sorted(ALLOWED_PARAMS[endpoint]))}",
            },
        )
    params = [(k, v) for k, v in request.query_params.multi_items()]
    http: httpx.AsyncClient = request.app.state.controller.http
    try:
        upstream = await http.get(
            f"{base.rstrip('/')}/api/v1/{endpoint}", params=params, timeout=TIMEOUT_SECONDS
        )
    except httpx.HTTPError as exc:
        return JSONResponse(
            status_code=502,
            content={
                "status": "error",
                "errorType": "unavailable",
                "error": f"prometheus at {base} does not answer ({type(exc).__name__})",
            },
        )
    # Prometheus answers errors (bad PromQL, 422 execution errors) in the same JSON shape.
    return Response(
        content=upstream.content,
        status_code=upstream.status_code,
        media_type=upstream.headers.get("content-type", "application/json"),
    )


@router.get("/query")
async def query(request: Request) -> Response:
    """Prometheus `GET /api/v1/query` (params: query, time, timeout)."""
    return await _forward(request, "query")


@router.get("/query_range")
async def query_range(request: Request) -> Response:
    """Prometheus `GET /api/v1/query_range` (params: query, start, end, step, timeout)."""
    return await _forward(request, "query_range")


@router.get("/query_exemplars")
async def query_exemplars(request: Request) -> Response:
    """Prometheus `GET /api/v1/query_exemplars` (params: query, start, end)."""
    return await _forward(request, "query_exemplars")
