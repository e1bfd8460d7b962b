"""A run's evidence and report folder: result.json, report.md and charts/*.png.

Evidence comes from Prometheus after the run (query_range, step 1 s) and from the loadgen's
consistency checker when the loadgen runs.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import httpx

from chaos.scenarios import charts, measure
from chaos.scenarios.markdown import render
from chaos.scenarios.model import Scenario
from chaos.scenarios.probes import QueryFailed
from chaos.scenarios.prometheus import Prometheus
from chaos.scenarios.record import RunRecord
from chaos.state import write_atomic

log = logging.getLogger("gameday.scenarios")

# Seconds of context before the run, so the charts show the steady state the run started from.
LEAD_IN_SECONDS = 15.0

Series = dict[str, dict[str, charts.Points]]  # panel key -> line label -> points


async def chart_series(prometheus: Prometheus, start: float, end: float) -> Series:
    """Every line of the chart panels from start to end (a failed query draws no line)."""
    data: Series = {}
    for panel in charts.PANELS:
        data[panel.key] = {}
        for label, expr in panel.lines.items():
            try:
                data[panel.key][label] = await prometheus.range(expr, start, end)
            except QueryFailed as exc:
                log.warning("chart query %s failed: %s", expr, exc)
                data[panel.key][label] = []
    return data


def relative(data: Series, t0: float) -> Series:
    """The same points with time counted from t0 (the charts' x axis)."""
    return {panel: {label: [(t - t0, v) for t, v in points] for label, points in lines.items()}
            for panel, lines in data.items()}


async def budget_burned(prometheus: Prometheus, start: float, end: float) -> float | None:
    """Share of the SLO's error budget the web tier burned between start and end."""
    try:
        return await prometheus.value_at(measure.error_budget_query(end - start), end)
    except QueryFailed as exc:
        log.warning("error budget query failed: %s", exc)
        return None


class Reporter:
    def __init__(self, prometheus: Prometheus, loadgen_url: str | None = None,
                 http: httpx.AsyncClient | None = None, token: str | None = None) -> None:
        self.prometheus = prometheus
        self.loadgen_url = loadgen_url
        self.token = token  # the loadgen's sweep needs the stack's admin token
        self.http = http or httpx.AsyncClient(timeout=10.0)

    async def write(self, scenario: Scenario, record: RunRecord) -> None:
        directory = Path(record.report_dir or ".")
        end = record.started_at + record.elapsed
        data = await chart_series(self.prometheus, record.started_at - LEAD_IN_SECONDS, end)
        self._worst_signals(record, data)
        record.error_budget_burned = await budget_burned(self.prometheus, record.started_at, end)
        record.consistency = await self._consistency()
        windows = [charts.Window(f.label, f.applied_at, f.ended_at or record.elapsed)
                   for f in record.faults if f.applied_at is not None]
        title = f"{record.title} ({record.id}): {record.verdict}"
        names = await asyncio.to_thread(charts.draw, directory / "charts", title,
                                        relative(data, record.started_at), windows,
                                        record.elapsed)
        record.charts = [f"charts/{name}" for name in names]
        write_atomic(directory / "result.json", json.dumps(
            {"run": record.model_dump(mode="json"),
             "scenario": scenario.model_dump(mode="json", by_alias=True)}, indent=2) + "\n")
        write_atomic(directory / "report.md", render(scenario, record))

    @staticmethod
    def _worst_signals(record: RunRecord, data: Series) -> None:
        errors = data["error-ratio"]["web"]
        p99 = data["p99-latency"]["web"]
        for fault in record.faults:
            if fault.applied_at is None:
                continue
            start = record.started_at + fault.applied_at
            end = record.started_at + (fault.ended_at or record.elapsed)
            fault.worst_error_ratio = measure.worst_in_window(errors, start, end)
            fault.worst_p99_seconds = measure.worst_in_window(p99, start, end)

    async def _consistency(self) -> dict | None:
        """The loadgen checker's verdict on what clients saw; sweep first so every
        acknowledged write is read back once."""
        if not self.loadgen_url:
            return None
        try:
            await self.http.post(
                f"{self.loadgen_url}/gameday/consistency/sweep",
                headers={"Authorization": f"Bearer {self.token}"} if self.token else None)
            response = await self.http.get(f"{self.loadgen_url}/gameday/consistency")
            response.raise_for_status()
            return response.json()
        except (httpx.HTTPError, ValueError) as exc:
            return {"error": f"loadgen consistency unavailable: {exc}"}
