"""Scaling, store recovery, and the log of every remediation move."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import httpx
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from chaos.api.auth import require_token
from chaos.api.errors import error_response
from chaos.controls.lb import LbAdminError

router = APIRouter(prefix="/api", tags=["remediation"])


async def run(move: Awaitable[dict[str, Any]]) -> Any:
    """Turn a refused or half-made move into a clear answer naming what failed, not a 500."""
    try:
        return await move
    except LbAdminError as exc:
        return error_response(502, f"HAProxy refused: {exc}")
    except (TimeoutError, OSError) as exc:  # the admin socket is gone: HAProxy is down
        return error_response(503, f"HAProxy's admin socket does not answer: {exc}")
    except httpx.HTTPError as exc:
        where = exc.request.url if getattr(exc, "_request", None) is not None else "a component"
        return error_response(503, f"{where} does not answer ({type(exc).__name__})")


class ScaleRequest(BaseModel):
    role: str = Field("web", description="Only web can be scaled")
    # The upper bound depends on the stack (its web slots): the remediation checks it.
    count: int = Field(..., ge=1, description="Instances wanted")


class MoveLeaderRequest(BaseModel):
    to: str = Field(..., description="The store member that should lead, e.g. store-2")


@router.post("/scale", dependencies=[Depends(require_token)])
async def scale(request: Request, body: ScaleRequest) -> dict:
    """Add or remove web instances; HAProxy picks them up through its runtime API."""
    return await run(request.app.state.controller.remediation.scale(body.role, body.count))


@router.post("/store/move-leader", dependencies=[Depends(require_token)])
async def move_leader(request: Request, body: MoveLeaderRequest) -> dict:
    return await run(request.app.state.controller.remediation.move_leader(body.to))


@router.post("/store/defrag", dependencies=[Depends(require_token)])
async def defrag(request: Request) -> dict:
    """Compact and defragment every member (frees space after a NOSPACE alarm)."""
    return await run(request.app.state.controller.remediation.defrag())


@router.post("/store/disarm", dependencies=[Depends(require_token)])
async def disarm(request: Request) -> dict:
    """Clear the store's alarms (NOSPACE) so it accepts writes again."""
    return await run(request.app.state.controller.remediation.disarm())


@router.get("/remediation")
async def actions(request: Request) -> list[dict]:
    """Every remediation move made on this controller, oldest first."""
    return request.app.state.controller.remediation.actions
