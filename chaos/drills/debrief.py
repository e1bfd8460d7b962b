"""The end of a drill: what the signals showed and when, the charts with the fault windows
shaded, and the postmortem draft, written to <state_dir>/drills/<id>/."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

from chaos.drills import evidence, postmortem
from chaos.drills.incidents import Incident
from chaos.drills.model import Debrief, Detection, Drill
from chaos.scenarios import charts, measure, report
from chaos.scenarios.probes import QueryFailed
from chaos.scenarios.prometheus import Prometheus
from chaos.state import write_atomic

log = logging.getLogger("gameday.drills")


async def _detections(drill: Drill, incident: Incident, prom: Prometheus) -> list[Detection]:
    applied = [f.applied_at for f in drill.faults if f.applied_at is not None]
    if not applied or drill.ended_at is None:
        return []
    since = drill.started_at + min(applied)
    found: list[Detection] = []
    try:
        for name, t in (await evidence.first_alerts(prom, since, drill.ended_at)).items():
            found.append(Detection(signal=f"alert {name}", after_seconds=round(t - since, 1)))
    except QueryFailed as exc:
        log.warning("alert history unavailable: %s", exc)
    deviations = await evidence.first_deviations(prom, incident.steady_state, since,
                                                 drill.ended_at)
    found += [Detection(signal=f"probe {name}", after_seconds=round(t - since, 1))
              for name, t in deviations.items()]
    return sorted(found, key=lambda d: d.after_seconds)


async def _charts(drill: Drill, prom: Prometheus, directory: Path) -> list[str]:
    end = drill.ended_at or drill.started_at
    data = await report.chart_series(prom, drill.started_at - report.LEAD_IN_SECONDS, end)
    elapsed = end - drill.started_at
    windows = [charts.Window(f"{f.type} {', '.join(f.targets)}", f.applied_at,
                             f.ended_at if f.ended_at is not None else elapsed)
               for f in drill.faults if f.applied_at is not None]
    title = f"Drill {drill.id}: {drill.title} ({drill.outcome})"
    names = await asyncio.to_thread(charts.draw, directory / "charts", title,
                                    report.relative(data, drill.started_at), windows, elapsed)
    errors = data.get("error-ratio", {}).get("web", [])
    drill.debrief.worst_error_ratio = measure.worst_in_window(errors, drill.started_at, end)
    return [f"charts/{name}" for name in names]


async def write(drill: Drill, incident: Incident, prom: Prometheus, directory: Path) -> None:
    """Fill drill.debrief and write drill.json, postmortem.md and charts/ (best effort: a
    missing Prometheus leaves gaps, never a drill stuck unrevealed)."""
    drill.debrief = Debrief(report_dir=str(directory))
    drill.debrief.detections = await _detections(drill, incident, prom)
    drill.debrief.error_budget_burned = await report.budget_burned(
        prom, drill.started_at, drill.ended_at or drill.started_at)
    try:
        drill.debrief.charts = await _charts(drill, prom, directory)
    except Exception as exc:  # charts are a bonus; the postmortem must still be written
        log.exception("drill charts failed: %s", exc)
    drill.debrief.postmortem = str(directory / "postmortem.md")
    write_atomic(directory / "postmortem.md", postmortem.render(drill, incident))
    write_atomic(directory / "drill.json", json.dumps(drill.model_dump(mode="json"), indent=2)
                 + "\n")
