"""Drills: start a hidden incident, take hints, answer, reveal, and the history of scores.

While a drill runs nothing here names its faults; the reveal shows them all.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from chaos.api.auth import require_token

router = APIRouter(prefix="/api/drills", tags=["drills"])


class StartRequest(BaseModel):
    difficulty: Literal["easy", "medium", "hard"] = "medium"
    seed: int | None = Field(None, ge=0, description="Replays the same incident on the same "
                                                     "targets; random when left out")


class AnswerRequest(BaseModel):
    component: str = Field(min_length=1, description="e.g. web-3 (see GET /api/drills/choices)")
    cause: str = Field(min_length=1, description="One of GET /api/drills/choices' causes")


async def _call(request: Request, action):
    result = action(request.app.state.controller.drills)
    return await result if hasattr(result, "__await__") else result


@router.post("", status_code=201, dependencies=[Depends(require_token)])
async def start(request: Request, body: StartRequest):
    """Start a drill: a hidden incident of this difficulty. The answer names no fault."""
    return await _call(request, lambda d: d.start(body.difficulty, body.seed))


@router.get("/current")
async def current(request: Request):
    """The running drill as the learner may see it, or the last one in full once revealed."""
    return await _call(request, lambda d: d.view())


@router.post("/current/hint", dependencies=[Depends(require_token)])
async def hint(request: Request):
    """The next hint, from vague to nearly the answer; each costs points."""
    return await _call(request, lambda d: d.hint())


@router.get("/choices")
async def choices(request: Request):
    """The causes and components an answer may name."""
    return await _call(request, lambda d: d.choices())


@router.post("/current/answer", dependencies=[Depends(require_token)])
async def answer(request: Request, body: AnswerRequest):
    """Grade a diagnosis: right or wrong only (a few tries, each wrong one costs points)."""
    return await _call(request, lambda d: d.answer(body.component, body.cause))


@router.post("/current/reveal", dependencies=[Depends(require_token)])
async def reveal(request: Request):
    """End the drill: revert its faults, score it, write the debrief and postmortem."""
    return await _call(request, lambda d: d.reveal())


@router.get("/history")
async def history(request: Request) -> list[dict]:
    """Past drills with their scores, oldest first."""
    return request.app.state.controller.drills.history()
