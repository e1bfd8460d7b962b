"""The monkey: random faults from an allow-list at random times, within limits."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from chaos.api.auth import require_token
from chaos.refusal import Refusal
from chaos.schedules.monkey_config import ConfigError, MonkeyConfig, check_against

router = APIRouter(prefix="/api", tags=["monkey"])


def _monkey(request: Request):
    return request.app.state.controller.scheduler.monkey


@router.get("/monkey")
async def status(request: Request) -> dict:
    """Config, state (running, next fire, active monkey faults, counts), recent decisions."""
    return _monkey(request).snapshot()


@router.post("/monkey", dependencies=[Depends(require_token)])
async def start(request: Request, body: MonkeyConfig):
    """Start the monkey, or replace its config if it runs; answers like GET."""
    controller = request.app.state.controller
    try:
        check_against(
            body,
            await controller.members(),
            controller.runtime.name,
            controller.runtime.capabilities(),
        )
    except ConfigError as exc:
        raise Refusal(422, f"{exc.field}: {exc.message}",
                      [{"field": exc.field, "message": exc.message}]) from None
    _monkey(request).start(body)
    return _monkey(request).snapshot()


@router.delete("/monkey", dependencies=[Depends(require_token)])
async def stop(request: Request) -> dict:
    """Stop the monkey and revert the faults it started."""
    reverted = await _monkey(request).stop()
    return {"reverted": reverted, **_monkey(request).snapshot()}
