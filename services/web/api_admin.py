"""Admin API the chaos controller uses to inject application faults.

Disabled (404) unless ``GAMEDAY_WEB_ADMIN_TOKEN`` is set; otherwise every call needs
``Authorization: Bearer <token>`` (403 without it).
"""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from services.web.faults.catalog import FAULT_TYPES
from services.web.faults.manager import FaultManager
from services.web.validation import InvalidRequest, problems_from_pydantic


def require_admin(request: Request, authorization: str | None = Header(default=None)) -> None:
    token: str = request.app.state.settings.admin_token
    if not token:
        raise HTTPException(status_code=404, detail="admin API is disabled on this instance")
    presented = (authorization or "").encode()
    # Constant-time comparison so the token cannot be guessed byte by byte from timings.
    if not hmac.compare_digest(presented, f"Bearer {token}".encode()):
        raise HTTPException(status_code=403, detail="a valid admin bearer token is required")


router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin)])


class FaultRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[A-Za-z0-9._:-]{1,128}$")
    type: str
    params: dict[str, Any] = Field(default_factory=dict)
    expires_in: float | None = Field(default=None, gt=0)


class QuietRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quiet: bool


def _faults(request: Request) -> FaultManager:
    return request.app.state.faults


@router.post("/faults", status_code=201)
async def apply_fault(spec: FaultRequest, request: Request) -> dict[str, Any]:
    fault_type = FAULT_TYPES.get(spec.type)
    if fault_type is None:
        raise InvalidRequest.field("type", f"must be one of {', '.join(sorted(FAULT_TYPES))}")
    try:
        params = fault_type.Params.model_validate(spec.params)
    except ValidationError as exc:
        raise InvalidRequest(problems_from_pydantic(exc.errors(), prefix="params")) from exc
    active = _faults(request).apply(spec.id, fault_type(params), spec.expires_in)
    return active.describe()


@router.get("/faults")
async def list_faults(request: Request) -> dict[str, Any]:
    return {"faults": _faults(request).describe_all()}


@router.delete("/faults/{fault_id}")
async def revert_fault(fault_id: str, request: Request) -> dict[str, Any]:
    if not _faults(request).revert(fault_id):
        raise HTTPException(status_code=404, detail=f"no active fault {fault_id!r}")
    return {"reverted": [fault_id]}


@router.delete("/faults")
async def revert_all_faults(request: Request) -> JSONResponse:
    count = _faults(request).revert_all()
    return JSONResponse({"reverted_count": count})


@router.put("/quiet")
async def set_quiet(body: QuietRequest, request: Request) -> dict[str, bool]:
    """Export no web_app_faults_active series while on (a drill hides its faults)."""
    _faults(request).quiet = body.quiet
    return {"quiet": body.quiet}
