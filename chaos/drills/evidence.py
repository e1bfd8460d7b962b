"""What the signals showed, read back from Prometheus after the drill: when each alert first
fired and when each steady-state probe first deviated. The charts' series and the error
budget come from the scenario reports (chaos/scenarios/report.py), so both look alike."""

from __future__ import annotations

import math

from chaos.scenarios.model import Probe
from chaos.scenarios.probes import QueryFailed
from chaos.scenarios.prometheus import Prometheus

Series = list[tuple[float, float]]


async def range_all(prom: Prometheus, expr: str, start: float, end: float
                    ) -> list[tuple[dict, Series]]:
    """Every series of a range query (the scenario client's `range` keeps only the first)."""
    data = await prom._get("/api/v1/query_range", {
        "query": expr, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": "1"})
    return [(item["metric"], [(float(t), float(v)) for t, v in item["values"]
                              if not math.isnan(float(v))])
            for item in data["result"]]


async def first_alerts(prom: Prometheus, since: float, until: float) -> dict[str, float]:
    """Alert name -> first time it fired after `since`; alerts already firing at `since`
    were there before the incident and say nothing about it."""
    series = await range_all(prom, 'ALERTS{alertstate="firing"}', since - 5, until)
    first: dict[str, float] = {}
    already: set[str] = set()
    for labels, points in series:
        name = labels.get("alertname", "?")
        if any(t <= since for t, _ in points):
            already.add(name)
            continue
        if points:
            first[name] = min(first.get(name, math.inf), points[0][0])
    return {name: t for name, t in first.items() if name not in already}


async def first_deviations(prom: Prometheus, probes: list[Probe], since: float, until: float
                           ) -> dict[str, float]:
    """Probe name -> first time any of its series broke the threshold after `since`."""
    found: dict[str, float] = {}
    for probe in probes:
        try:
            series = await range_all(prom, probe.query, since, until)
        except QueryFailed:
            continue
        times = [t for _, points in series for t, v in points if not probe.satisfied_by(v)]
        if times:
            found[probe.name] = min(times)
    return found
