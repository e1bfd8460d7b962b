"""The load generator's rate, read and changed through the controller."""

from __future__ import annotations

import time
from typing import Any

import httpx
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, model_validator

from chaos.api.auth import require_token
from chaos.api.errors import error_response
from chaos.events.model import Recorded

router = APIRouter(prefix="/api", tags=["load"])


class LoadChange(BaseModel):
    rate: float | None = Field(None, ge=0, le=100_000, description="Requests per second")
    users: int | None = Field(None, ge=0, le=100_000, description="Locust users")

    @model_validator(mode="after")
    def _exactly_one(self) -> LoadChange:
        if (self.rate is None) == (self.users is None):
            raise ValueError("give exactly one of rate or users")
        return self


def _loadgen_url(request: Request) -> str:
    url = request.app.state.controller.plan.reach("loadgen")
    if url is None:
        raise HTTPException(409, detail="the stack runs without a load generator (--no-load)")
    return url


async def _forward(request: Request, method: str, path: str, body: Any = None) -> JSONResponse:
    url = _loadgen_url(request)
    # The load generator's control needs the stack's admin token, as the proxy's does.
    token = getattr(request.app.state.controller.plan, "admin_token", None)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        # The controller's shared client; a sweep re-reads every checked key, hence the timeout.
        response = await request.app.state.controller.http.request(
            method, f"{url}{path}", json=body, headers=headers, timeout=30.0
        )
    except httpx.HTTPError as exc:
        raise HTTPException(
            503, detail=f"the load generator at {url} does not answer: {type(exc).__name__}"
        ) from None
    try:
        content = response.json()
    except ValueError:
        raise HTTPException(
            502, detail=f"the load generator at {url} answered {response.status_code}, not JSON"
        ) from None
    return JSONResponse(status_code=response.status_code, content=content)


@router.get("/load")
async def show_load(request: Request) -> JSONResponse:
    """Target rate, users and state of the load generator."""
    return await _forward(request, "GET", "/gameday/load")


@router.post("/load", dependencies=[Depends(require_token)])
async def set_load(request: Request, change: LoadChange) -> JSONResponse:
    """Change the offered load live: a fixed rate (open loop) or a number of users."""
    wanted = change.model_dump(exclude_none=True)
    answer = await _forward(request, "POST", "/gameday/load", wanted)
    if answer.status_code < 300:
        now = time.time()
        text = ", ".join(f"{k}={v}" for k, v in wanted.items())
        request.app.state.controller.events.record(Recorded(
            ts=now, source="load", kind="load.changed", actor="user", component="loadgen",
            components=["loadgen"], summary=f"load set: {text}", details=wanted,
            key=f"load.changed:{now!r}"))
    return answer


@router.get("/consistency")
async def consistency(
    request: Request,
    sweep: bool = Query(False, description="No longer accepted here: POST /api/consistency/sweep"),
) -> JSONResponse:
    """The consistency checker's findings (a read: it never triggers work)."""
    if sweep:
        return error_response(
            405,
            "sweep: a sweep changes state, so it is POST /api/consistency/sweep (with the token)",
            [{"field": "sweep", "message": "use POST /api/consistency/sweep"}],
        )
    return await _forward(request, "GET", "/gameday/consistency")


@router.post("/consistency/sweep", dependencies=[Depends(require_token)])
async def consistency_sweep(request: Request) -> JSONResponse:
    """Re-read every acknowledged write now, and report what the checker found."""
    return await _forward(request, "POST", "/gameday/consistency/sweep")
