"""Events derived from the parts of the controller that know them: faults (the fault manager's
records), components (the runtime's lifecycle history), pages (the pager), the operator's moves
(remediation's log), drills and scenario runs' steps. Each carries a stable `key`, so the
recorder appends it once. Nothing is hidden here: the log keeps a drill's faults; readers
hide them (`chaos.events.read`).
"""

from __future__ import annotations

from chaos.events.model import Recorded


def faults(controller, since: float) -> list[Recorded]:
    events = []
    for record in list(controller.faults.records.values()):
        targets = list(record.targets) or [record.target]
        first = record.targets[0] if record.targets else None
        what = f"{record.type} on {', '.join(targets)}"
        common = dict(source="fault", component=first, components=targets, ref=record.id,
                      details={"type": record.type, "targets": targets})
        if record.created_at >= since:
            events.append(Recorded(ts=record.created_at, kind="fault.injected",
                                   actor=record.actor, summary=what,
                                   key=f"fault.injected:{record.id}", **common))
        if record.ended_at is not None and record.ended_at >= since:
            events.append(Recorded(ts=record.ended_at, kind=f"fault.{record.state}",
                                   actor="controller", summary=f"{what}: {record.state}",
                                   key=f"fault.{record.state}:{record.id}", **common))
    return events


LIFECYCLE = {"exit": "exited", "stop": "stopped", "restart": "restarted by the supervisor",
             "start": "started"}


def components(controller, since: float) -> list[Recorded]:
    events = []
    for name, happened in controller.runtime.history(since):
        verb = LIFECYCLE[happened.kind]
        why = happened.exit
        details = {}
        if why is not None:
            # The exit as a real incident would show it, for readers while a drill hides it.
            details = {"exit": why.describe(), "observed": why.as_observed().describe()}
        detail = f"{verb}: {why.describe()}" if why else verb
        events.append(Recorded(
            ts=happened.ts, source="component", kind=f"component.{happened.kind}",
            actor="controller", component=name, components=[name],
            summary=f"{name} {detail}", details=details,
            key=f"component.{happened.kind}:{name}:{happened.ts!r}"))
    return events


def pages(controller, since: float) -> list[Recorded]:
    events = []
    for page in list(controller.pager.pages.values()):
        for ts, kind, actor, summary in (
                (page.opened_at, "page.fired", "controller", f"paged: {page.title}"),
                (page.acked_at, "page.acked", "user",
                 f"acknowledged by {page.acked_by}: {page.title}"),
                (page.resolved_at, "page.resolved", "controller", f"resolved: {page.title}")):
            if ts is not None and ts >= since:
                events.append(Recorded(ts=ts, source="page", kind=kind, actor=actor,
                                       summary=summary, ref=page.id,
                                       details={"title": page.title},
                                       key=f"{kind}:{page.id}:{ts!r}"))
    return events


def moves(controller, since: float) -> list[Recorded]:
    events = []
    for move in list(controller.remediation.actions):
        if move["ts"] < since:
            continue
        details = {k: v for k, v in move.items() if k not in ("ts", "action")}
        text = ", ".join(f"{k}={v}" for k, v in details.items())
        component = move.get("component") or move.get("to")
        events.append(Recorded(
            ts=move["ts"], source="remediation", actor="user",
            kind=f"remediation.{move['action']}", component=component,
            components=[component] if component else [],
            summary=f"{move['action']} {text}".strip(), details=details,
            key=f"remediation.{move['action']}:{move['ts']!r}"))
    return events


def drills(controller, since: float) -> list[Recorded]:
    drill = controller.drills.drill
    if drill is None:
        return []
    events = []
    if drill.started_at >= since:
        events.append(Recorded(
            ts=drill.started_at, source="drill", kind="drill.started", actor="user",
            ref=drill.id, details={"difficulty": drill.difficulty},
            summary=f"{drill.difficulty} drill {drill.id} started",
            key=f"drill.started:{drill.id}"))
    if drill.ended_at is not None and drill.ended_at >= since:
        events.append(Recorded(
            ts=drill.ended_at, source="drill", kind="drill.ended", actor="drill",
            summary=f"drill {drill.id} {drill.state}", ref=drill.id,
            details={"state": drill.state}, key=f"drill.ended:{drill.id}"))
    for note in drill.events:  # the learner's part of the drill's own record, never its faults
        kind = LEARNER_NOTES.get(note.kind)
        ts = drill.started_at + note.t
        if kind is not None and ts >= since:
            events.append(Recorded(
                ts=ts, source="drill", kind=kind, actor="drill" if kind == "drill.revealed"
                else "user", summary=note.message, ref=drill.id,
                key=f"{kind}:{drill.id}:{note.t!r}"))
    return events


LEARNER_NOTES = {"hint": "drill.hint", "answer": "drill.answer", "reveal": "drill.revealed"}


def scenario_steps(controller, since: float) -> list[Recorded]:
    """Each step of every scenario run (check, inject, revert, detect, breach, heal, verdict,
    ...): the run's own notes, on the stack's timeline."""
    events = []
    for run in controller.runner.runs():
        actor = "schedule" if run.source.startswith("schedule") or run.source == "monkey" \
            else "user"
        for note in list(run.events):
            ts = run.started_at + note.t
            if ts >= since:
                events.append(Recorded(
                    ts=ts, source="scenario", kind="scenario.step", actor=actor,
                    summary=f"{run.scenario}: {note.kind}: {note.message}", ref=run.id,
                    details={"scenario": run.scenario, "step": note.kind},
                    key=f"scenario.step:{run.id}:{note.t!r}:{note.kind}"))
    return events


SOURCES = (faults, components, pages, moves, drills, scenario_steps)


def derived(controller, since: float, *watches) -> list[Recorded]:
    """Every source's events at or after `since`, with those of stateful `watches`."""
    found = [e for source in SOURCES for e in source(controller, since)]
    found += [e for watch in watches for e in watch(since)]
    return sorted(found, key=lambda e: e.ts)
