"""GET /api/events: the event timeline, read from the controller's one event log
(`chaos.events`: appended as things happen, bounded on disk, kept across restarts). While a
drill runs its faults are left out and its components' exits read as observed (`terminated by
signal 9`), as on every other surface, until the reveal."""

from __future__ import annotations

import time

from fastapi import APIRouter, Query, Request

from chaos.durations import parse_duration
from chaos.events import read
from chaos.events.model import KINDS, SOURCES, Event, Recorded, Source
from chaos.refusal import Refusal

router = APIRouter(prefix="/api", tags=["events"])

KIND_VALUES = (*SOURCES, *KINDS)


def timeline(controller, since: float) -> list[Recorded]:
    """The log's events since `since`, oldest first, as a reader during a drill may see them."""
    drills = controller.drills
    return read.visible(controller.events.read(since), drills.hidden_fault_ids(),
                        drills.hidden_components())


def _refuse_unknown(field: str, values: list[str] | None, allowed: tuple[str, ...]) -> None:
    unknown = [v for v in values or [] if v not in allowed]
    if unknown:
        raise Refusal(422, f"{field}: unknown {', '.join(unknown)}; "
                           f"allowed: {', '.join(allowed)}", field=field)


@router.get("/events", response_model=list[Event])
async def list_events(
        request: Request,
        since: str = Query("15m", description="How far back: a duration such as 90s, 5m, 2h"),
        kind: list[str] | None = Query(
            None, description="Only these kinds (repeatable): a kind such as page.fired, or "
                              "a source such as fault for every fault.* kind"),
        component: list[str] | None = Query(None, description="Only events about these "
                                                               "components (repeatable)"),
        source: list[Source] | None = Query(None, description="Only these sources"),
) -> list[Event]:
    """What happened to the stack since `since`, oldest first: faults, component exits and
    restarts, store leader changes, pages and silences, remediation moves, scenario steps,
    load changes and drills."""
    try:
        window = parse_duration(since)
    except ValueError as exc:
        raise Refusal(422, f"since: {exc}", field="since") from None
    controller = request.app.state.controller
    _refuse_unknown("kind", kind, KIND_VALUES)
    _refuse_unknown("component", component, tuple(controller.plan.names()))
    events = timeline(controller, time.time() - window)
    return read.matching(events, kinds=kind, components=component, sources=source)
