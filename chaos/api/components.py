"""Lifecycle actions on one component: the moves an operator makes by hand."""

from __future__ import annotations

from enum import StrEnum

from fastapi import APIRouter, Depends, HTTPException, Request

from chaos.api.auth import require_token

router = APIRouter(prefix="/api/components", tags=["components"])


class Action(StrEnum):
    start = "start"
    stop = "stop"
    restart = "restart"


@router.get("")
async def list_components(request: Request) -> list[dict]:
    return request.app.state.controller.status()["components"]


@router.post("/{name}/{action}", dependencies=[Depends(require_token)])
async def act(name: str, action: Action, request: Request) -> dict:
    """`stop` keeps the component down until `start`; `restart` is graceful."""
    controller = request.app.state.controller
    names = controller.plan.names()
    if name not in names:
        raise HTTPException(404, detail=f"unknown component {name!r}; known: {', '.join(names)}")
    runtime = controller.runtime
    if action is Action.start:
        await runtime.start(name)
    elif action is Action.stop:
        await runtime.stop(name, hold=True)
    else:
        await runtime.restart(name)
    return {"name": name, "action": action.value, "state": runtime.status(name).state.value}
