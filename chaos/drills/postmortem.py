"""The blameless postmortem draft of a drill, in Markdown."""

from __future__ import annotations

import time

from chaos.drills.incidents import Incident
from chaos.drills.model import Drill


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}s"


def _when(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(epoch))


def _timeline(drill: Drill) -> list[str]:
    """The learner's events side by side with what the signals showed, by time."""
    rows = [(e.t, e.kind, e.message) for e in drill.events]
    applied = [f.applied_at for f in drill.faults if f.applied_at is not None]
    if drill.debrief and applied:
        rows += [(min(applied) + d.after_seconds, "signal", f"{d.signal} showed it")
                 for d in drill.debrief.detections]
    table = ["| t | what |", "| --- | --- |"]
    for t, kind, message in sorted(rows, key=lambda row: row[0]):
        table.append(f"| {t:.0f}s | **{kind}** {message.replace('|', '/')} |")
    return table


def render(drill: Drill, incident: Incident) -> str:
    debrief = drill.debrief
    score = drill.score
    budget = ("unknown" if debrief is None or debrief.error_budget_burned is None
              else f"{debrief.error_budget_burned * 100:.0f}%")
    faults = ", ".join(f"`{f.type}` on {', '.join(f.targets) or f.target}" for f in drill.faults)
    out = [
        f"# Postmortem (draft): {incident.title}", "",
        f"Drill `{drill.id}` ({drill.difficulty}, seed {drill.seed}), {_when(drill.started_at)}. "
        "Blameless: this describes what the system and the responder saw and did, "
        "not who was at fault.", "",
        "## Summary", "",
        f"{incident.root_cause} Outcome: **{drill.outcome}**, score "
        f"**{score.total if score else 0}/100** ({score.explanation if score else '-'}).", "",
        "## Impact", "",
        f"- Error budget burned during the drill (99.9% SLO on web 5xx): **{budget}** of the "
        "drill's budget.",
        f"- Steady state first broken {_s(drill.first_breach_after)} after the start; "
        f"restored for good {_s(drill.mitigated_after)} after the start.",
        "",
        "## Root cause", "",
        f"Cause: **{incident.cause}** on **{incident.components[0]}**. Injected: {faults}.", "",
        "## Detection", "",
        "| signal | after the injection |", "| --- | --- |",
    ]
    detections = debrief.detections if debrief else []
    out += [f"| {d.signal} | {d.after_seconds:.0f}s |" for d in detections] or ["| none | - |"]
    paged = ("No page opened during the drill." if drill.paged_after is None else
             f"Paged after {_s(drill.paged_after)}; acknowledged after "
             f"{_s(drill.acknowledged_after)}.")
    answered = (f"Diagnosed after {_s(drill.diagnosed_after)} with "
                f"{len(drill.hints_given)} hint(s) and {len(drill.answers)} answer(s).")
    clock = (f"On-call clock from the start: time to acknowledge **{_s(drill.times['tta'])}**, "
             f"to diagnose **{_s(drill.times['ttd'])}**, to mitigate "
             f"**{_s(drill.times['ttm'])}**.")
    out += ["", paged, answered, "", clock, "", "## Mitigation", "",
            f"Runbook: {incident.mitigation}", ""]
    if drill.remediation:
        out += [f"- {m['t']:.0f}s: `{m['action']}` "
                + ", ".join(f"{k}={v}" for k, v in m.items() if k not in ("t", "ts", "action"))
                for m in drill.remediation]
    else:
        out.append("- No remediation move was made.")
    if score and score.harmful_moves:
        out += ["", "Moves that worked on what the incident did not touch (each costs points): "
                + ", ".join(f"`{m}`" for m in score.harmful_moves) + "."]
    out += ["", "## Timeline", "", *_timeline(drill), "",
            "## Lessons", "", *[f"- {lesson}" for lesson in incident.lessons], "",
            "## Action items", "", *[f"- [ ] {item}" for item in incident.action_items], "",
            "## Charts", "", "Shaded bands are the fault windows.", ""]
    out += [f"![{name}]({name})" for name in (debrief.charts if debrief else [])]
    return "\n".join(out) + "\n"
