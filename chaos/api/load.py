"""The load generator's rate, read and changed through the controller."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, model_validator

from chaos.api.auth import require_token

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
    try:
        # The controller's shared client; a sweep re-reads every checked key, hence the timeout.
        response = await request.app.state.controller.http.request(
            method, f"{url}{path}", json=body, timeout=30.0
        )
    except httpx.HTTPError as exc:
        raise HTTPException(
            503, detail=f"the load generator at {url} does not answer: {type(exc).__name__}"
        ) from None
    return JSONResponse(status_code=response.status_code, content=response.json())


@router.get("/load")
async def show_load(request: Request) -> JSONResponse:
    """Target rate, users and state of the load generator."""
    return await _forward(request, "GET", "/gameday/load")


@router.post("/load", dependencies=[Depends(require_token)])
async def set_load(request: Request, change: LoadChange) -> JSONResponse:
    """Change the offered load live: a fixed rate (open loop) or a number of users."""
    return await _forward(request, "POST", "/gameday/load", change.model_dump(exclude_none=True))


@router.get("/consistency")
async def consistency(request: Request, sweep: bool = False) -> JSONResponse:
    """The consistency checker's findings; `?sweep=true` re-reads every acknowledged write."""
    if sweep:
        return await _forward(request, "POST", "/gameday/consistency/sweep")
    return await _forward(request, "GET", "/gameday/consistency")
