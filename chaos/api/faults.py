"""Faults: inject, list, revert, abort, and the catalog of what can be injected."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from chaos.api.auth import require_token
from chaos.drills.hiding import visible
from chaos.faults import FAULTS
from chaos.faults.manager import FaultError, FaultRecord, FaultRequest

router = APIRouter(prefix="/api", tags=["faults"])


@router.post(
    "/faults", status_code=201, dependencies=[Depends(require_token)], response_model=FaultRecord
)
async def inject(request: Request, body: FaultRequest):
    """Apply a fault now; the response lists the components it hit and its deadline."""
    return await request.app.state.controller.faults.inject(body)


@router.get("/faults", response_model=list[FaultRecord])
async def list_faults(request: Request, state: str | None = None):
    """Active and recent faults, newest first; `?state=active` for the active ones only."""
    controller = request.app.state.controller
    manager = controller.faults
    records = manager.active() if state == "active" else manager.listing()
    # A running drill's faults are the learner's puzzle; they appear after the reveal.
    return visible(records, controller.drills.hidden_fault_ids())


@router.get("/faults/{fault_id}", response_model=FaultRecord)
async def get_fault(request: Request, fault_id: str):
    controller = request.app.state.controller
    record = controller.faults.records.get(fault_id)
    if record is None or fault_id in controller.drills.hidden_fault_ids():
        raise FaultError(404, f"no fault {fault_id!r}")
    return record


@router.delete(
    "/faults/{fault_id}", dependencies=[Depends(require_token)], response_model=FaultRecord
)
async def revert(request: Request, fault_id: str):
    if fault_id in request.app.state.controller.drills.hidden_fault_ids():
        raise FaultError(404, f"no fault {fault_id!r}")
    return await request.app.state.controller.faults.revert(fault_id)


@router.post("/abort", dependencies=[Depends(require_token)])
async def abort(request: Request) -> dict:
    """Revert every active fault now (a running drill's too: safety first, and it is noted)."""
    controller = request.app.state.controller
    controller.drills.note_abort()
    reverted = await controller.faults.abort()
    return {"reverted": [r.id for r in reverted]}


@router.get("/catalog")
async def catalog(request: Request) -> list[dict]:
    """Every fault type: params as JSON schema, roles it can target, and runtime support."""
    runtime = request.app.state.controller.runtime
    entries = []
    for name, cls in sorted(FAULTS.items()):
        reason = cls.support(runtime.name, runtime.capabilities())
        entries.append(
            {
                "type": name,
                "summary": cls.summary,
                "roles": sorted(cls.roles),
                "params": cls.Params.model_json_schema(),
                "mechanisms": cls.mechanisms,
                "unsupported": cls.unsupported,
                "supported_here": reason is None,
                "reason": reason,
            }
        )
    return entries
