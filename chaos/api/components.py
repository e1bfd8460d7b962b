"""Lifecycle and traffic actions on one component: the moves an operator makes by hand."""

from __future__ import annotations

from enum import StrEnum

from fastapi import APIRouter, Depends, HTTPException, Request

from chaos.api.auth import require_token
from chaos.api.remediation import run

router = APIRouter(prefix="/api/components", tags=["components"])


class Action(StrEnum):
    start = "start"
    stop = "stop"
    restart = "restart"
    drain = "drain"
    ready = "ready"
    rollback = "rollback"


@router.get("")
async def list_components(request: Request) -> list[dict]:
    return request.app.state.controller.status()["components"]


@router.post("/{name}/{action}", dependencies=[Depends(require_token)])
async def act(name: str, action: Action, request: Request) -> dict:
    """`stop` keeps the component down until `start`; `drain` takes a web instance out of
    rotation once its requests finish, `ready` brings it back; `rollback` undoes a bad deploy."""
    controller = request.app.state.controller
    names = controller.runtime.enabled_names()
    if name not in names:
        raise HTTPException(404, detail=f"unknown component {name!r}; known: {', '.join(names)}")
    remediation = controller.remediation
    runtime = controller.runtime
    if action is Action.start:
        await runtime.start(name)
    elif action is Action.stop:
        await runtime.stop(name, hold=True)
    elif action is Action.restart:
        await run(remediation.restart(name))
    elif action is Action.drain:
        await run(remediation.drain(name))
    elif action is Action.ready:
        await run(remediation.ready(name))
    else:
        await run(remediation.rollback(name))
    return {"name": name, "action": action.value, "state": runtime.status(name).state.value}
