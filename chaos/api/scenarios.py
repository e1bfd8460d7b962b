"""Scenarios and their runs: list and show the library, start, watch and stop a run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from chaos.api.auth import require_token
from chaos.refusal import Refusal
from chaos.scenarios import library
from chaos.scenarios.loader import validate
from chaos.scenarios.record import RunRecord
from chaos.scenarios.runner import RunError

router = APIRouter(prefix="/api", tags=["scenarios"])


class RunRequest(BaseModel):
    scenario: str | dict[str, Any] = Field(
        description="A built-in scenario name, a YAML path on the controller's machine, or an "
        "inline scenario (the YAML file's content as a JSON object)",
    )
    name: str = Field("inline", pattern=r"^[A-Za-z0-9_.-]{1,64}$",
                      description="Name of an inline scenario (used in the run id)")
    force: bool = Field(False, description="Start even when the steady state does not hold")
    report_dir: str | None = Field(None, description="Where to write the report "
                                   "(default <state_dir>/runs/<run-id>)")
    source: str = Field("api", max_length=64, description="Who starts the run (cli, api, ...)")


def _summary(name: str) -> dict:
    scenario = library.load(name)
    return {"name": name, "title": scenario.title, "difficulty": scenario.difficulty,
            "description": scenario.description.strip(),
            "planned_seconds": scenario.planned_seconds, "steps": len(scenario.steps)}


@router.get("/scenarios")
async def list_scenarios() -> list[dict]:
    """The built-in scenarios."""
    return [_summary(name) for name in library.names()]


@router.get("/scenarios/{name}")
async def get_scenario(name: str):
    """One built-in scenario in full (its hypothesis, steps, expected signals, write-up)."""
    if name not in library.names():
        raise Refusal(404, f"no built-in scenario {name!r}; built-in: "
                           f"{', '.join(library.names())}", field="name")
    scenario = library.load(name)
    return {**scenario.model_dump(mode="json", by_alias=True),
            "planned_seconds": scenario.planned_seconds}


@router.post("/scenarios/run", status_code=201, dependencies=[Depends(require_token)],
             response_model=RunRecord)
async def run_scenario(request: Request, body: RunRequest):
    """Check the steady state and start the run; poll GET /api/runs/{id} for progress."""
    runner = request.app.state.controller.runner
    ref = body.scenario
    if isinstance(ref, dict):
        ref = validate(ref, source="scenario", name=body.name)
    report_dir = Path(body.report_dir) if body.report_dir else None
    return await runner.start(ref, force=body.force, report_dir=report_dir, source=body.source)


@router.get("/runs", response_model=list[RunRecord])
async def list_runs(request: Request):
    """Runs of this controller, newest first."""
    return request.app.state.controller.runner.runs()


@router.get("/runs/{run_id}", response_model=RunRecord)
async def get_run(request: Request, run_id: str):
    record = request.app.state.controller.runner.get(run_id)
    if record is None:
        raise RunError(404, f"no run {run_id!r}")
    return record


@router.post("/runs/stop", dependencies=[Depends(require_token)], response_model=RunRecord)
async def stop_run(request: Request):
    """Stop the current run: it reverts every fault, gets the verdict `aborted` and its report."""
    record = await request.app.state.controller.runner.stop("stopped by request")
    if record is None:
        raise RunError(409, "no scenario run is going")
    return record
