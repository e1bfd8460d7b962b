"""Stack status and lifecycle endpoints."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, Request

from chaos.api.auth import require_token

router = APIRouter(prefix="/api", tags=["stack"])


@router.get("/status")
async def get_status(request: Request) -> dict:
    """Every component with role, state, health, pid, URL and store leadership."""
    return request.app.state.controller.status()


@router.post("/shutdown", dependencies=[Depends(require_token)])
async def shutdown(request: Request) -> dict:
    """Revert every fault, stop every component, then stop the controller itself."""
    controller = request.app.state.controller
    await controller.stop_stack()
    # Answer first, then let the server exit.
    asyncio.get_running_loop().call_later(0.2, request.app.state.request_exit)
    return {"stopped": [c.name for c in controller.plan.components]}
