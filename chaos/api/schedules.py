"""Schedules: run a scenario repeatedly on a cron expression or an interval."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from chaos.api.auth import require_token
from chaos.schedules.schedule import Schedule, ScheduleRequest
from chaos.schedules.scheduler import ScheduleError

router = APIRouter(prefix="/api", tags=["schedules"])


def _service(request: Request):
    return request.app.state.controller.scheduler.schedules


@router.post(
    "/schedules", status_code=201, dependencies=[Depends(require_token)], response_model=Schedule
)
async def add_schedule(request: Request, body: ScheduleRequest):
    """Run `scenario` on `cron` or `every`; the answer carries the first fire time."""
    return _service(request).add(body)


@router.get("/schedules", response_model=list[Schedule])
async def list_schedules(request: Request):
    """Every schedule with its next fire time and the result of its last fire."""
    return _service(request).listing()


@router.get("/schedules/{schedule_id}", response_model=Schedule)
async def get_schedule(request: Request, schedule_id: str):
    schedule = _service(request).schedules.get(schedule_id)
    if schedule is None:
        raise ScheduleError(404, f"no schedule {schedule_id!r}")
    return schedule


@router.delete(
    "/schedules/{schedule_id}", dependencies=[Depends(require_token)], response_model=Schedule
)
async def remove_schedule(request: Request, schedule_id: str):
    return _service(request).remove(schedule_id)
