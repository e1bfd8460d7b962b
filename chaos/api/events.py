"""The event timeline: what happened to the stack, in order, from the parts that know it:
faults (the fault manager's records), components (the runtime's lifecycle history: exits,
stops, restarts, starts), pages (the pager), the operator's moves (remediation's log) and
drills. While a drill runs its faults are left out and its components' exits read as observed
(`terminated by signal 9`), as on every other surface, until the reveal."""

from __future__ import annotations

import time
from typing import Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from chaos.durations import parse_duration
from chaos.faults.manager import Actor
from chaos.refusal import Refusal

router = APIRouter(prefix="/api", tags=["events"])

Source = Literal["fault", "component", "page", "remediation", "drill"]


class Event(BaseModel):
    ts: float
    source: Source
    kind: str  # e.g. fault.injected, component.exit, page.fired, remediation.scale
    component: str | None = None
    # Who did it: a person (`user`), a schedule or the monkey, a drill, or the controller
    # itself (its supervisor, its pager, every revert it carries out).
    actor: Actor
    summary: str
    ref: str | None = None  # the fault, page or drill id


def _faults(controller, since: float, hidden: set[str]) -> list[Event]:
    events = []
    for record in controller.faults.records.values():
        if record.id in hidden:
            continue
        targets = ", ".join(record.targets) or record.target
        first = record.targets[0] if record.targets else None
        if record.created_at >= since:
            events.append(Event(ts=record.created_at, source="fault", kind="fault.injected",
                                actor=record.actor, component=first,
                                summary=f"{record.type} on {targets}", ref=record.id))
        if record.ended_at is not None and record.ended_at >= since:
            events.append(Event(ts=record.ended_at, source="fault", kind=f"fault.{record.state}",
                                actor="controller", component=first,
                                summary=f"{record.type} on {targets}: {record.state}",
                                ref=record.id))
    return events


LIFECYCLE = {"exit": "exited", "stop": "stopped", "restart": "restarted by the supervisor",
             "start": "started"}


def _components(controller, since: float, masked: set[str]) -> list[Event]:
    events = []
    for name, happened in controller.runtime.history(since):
        why = happened.exit
        if why is not None and name in masked:
            why = why.as_observed()
        verb = LIFECYCLE[happened.kind]
        detail = f"{verb}: {why.describe()}" if why else verb
        events.append(Event(ts=happened.ts, source="component", kind=f"component.{happened.kind}",
                            actor="controller", component=name, summary=f"{name} {detail}"))
    return events


def _pages(controller, since: float) -> list[Event]:
    events = []
    for page in controller.pager.pages.values():
        for ts, kind, actor, summary in (
                (page.opened_at, "page.fired", "controller", f"paged: {page.title}"),
                (page.acked_at, "page.acked", "user",
                 f"acknowledged by {page.acked_by}: {page.title}"),
                (page.resolved_at, "page.resolved", "controller", f"resolved: {page.title}")):
            if ts is not None and ts >= since:
                events.append(Event(ts=ts, source="page", kind=kind, actor=actor,
                                    summary=summary, ref=page.id))
    return events


def _moves(controller, since: float) -> list[Event]:
    events = []
    for move in controller.remediation.actions:
        if move["ts"] < since:
            continue
        details = ", ".join(f"{k}={v}" for k, v in move.items() if k not in ("ts", "action"))
        events.append(Event(ts=move["ts"], source="remediation", actor="user",
                            kind=f"remediation.{move['action']}",
                            component=move.get("component") or move.get("to"),
                            summary=f"{move['action']} {details}".strip()))
    return events


def _drills(controller, since: float) -> list[Event]:
    drill = controller.drills.drill
    if drill is None:
        return []
    events = []
    if drill.started_at >= since:
        events.append(Event(ts=drill.started_at, source="drill", kind="drill.started",
                            actor="user",
                            summary=f"{drill.difficulty} drill {drill.id} started", ref=drill.id))
    if drill.ended_at is not None and drill.ended_at >= since:
        events.append(Event(ts=drill.ended_at, source="drill", kind="drill.ended", actor="drill",
                            summary=f"drill {drill.id} {drill.state}", ref=drill.id))
    return events


def timeline(controller, since: float) -> list[Event]:
    drills = controller.drills
    events = [*_faults(controller, since, drills.hidden_fault_ids()),
              *_components(controller, since, drills.hidden_components()),
              *_pages(controller, since), *_moves(controller, since), *_drills(controller, since)]
    return sorted(events, key=lambda e: e.ts)


@router.get("/events", response_model=list[Event])
async def list_events(
        request: Request,
        since: str = Query("15m", description="How far back: a duration such as 90s, 5m, 2h"),
        source: list[Source] | None = Query(None, description="Only these sources"),
) -> list[Event]:
    """Faults, component exits and restarts, pages, remediation moves and drills since
    `since`, oldest first."""
    try:
        window = parse_duration(since)
    except ValueError as exc:
        raise Refusal(422, f"since: {exc}", field="since") from None
    events = timeline(request.app.state.controller, time.time() - window)
    return [e for e in events if source is None or e.source in source]
