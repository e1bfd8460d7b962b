"""The controller's own /metrics, read from live controller state at scrape time."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from chaos.drills.hiding import hidden_counts
from chaos.remediation import ACTIONS

router = APIRouter(tags=["metrics"])


def family(
    kind: type[Metric],
    name: str,
    documentation: str,
    labels: list[str],
    samples: Iterable[tuple[Sequence[str], float]],
) -> Metric:
    """One metric family of `kind` (a Gauge- or CounterMetricFamily): a sample per label values."""
    metric = kind(name, documentation, labels=labels)
    for values, value in samples:
        metric.add_metric(list(values), value)
    return metric


class StackCollector:
    """Component health and supervisor activity, as seen by the controller."""

    def __init__(self, controller) -> None:
        self.controller = controller

    def collect(self):
        healthy = GaugeMetricFamily(
            "gameday_component_healthy",
            "1 if the component passes its health check",
            labels=["component", "role"],
        )
        restarts = CounterMetricFamily(
            "gameday_component_restarts",
            "Restarts done by the supervisor",
            labels=["component", "role"],
        )
        ooms = CounterMetricFamily(
            "gameday_component_oom_kills",
            "Kills for exceeding the memory limit",
            labels=["component"],
        )
        for status in self.controller.runtime.statuses():
            probe = self.controller.health.get(status.name)
            healthy.add_metric([status.name, status.role], 1.0 if probe and probe.healthy else 0.0)
            restarts.add_metric([status.name, status.role], status.restarts)
        for name, count in getattr(self.controller.runtime, "oom_kills", {}).items():
            ooms.add_metric([name], count)
        yield healthy
        yield restarts
        yield ooms


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    return Response(generate_latest(request.app.state.registry), media_type=CONTENT_TYPE_LATEST)


class FaultCollector:
    """chaos_* series: active faults (also the annotation source for dashboards) and outcomes."""

    def __init__(self, controller) -> None:
        self.controller = controller

    def collect(self):
        manager = self.controller.faults
        # A running drill's faults stay out of every chaos_* series until the reveal: these
        # series are the dashboards' annotations, and the learner must find the fault alone.
        hidden = self.controller.drills.hidden_fault_ids()
        hidden_injections, hidden_reverts = hidden_counts(manager.records, hidden)
        yield family(GaugeMetricFamily, "chaos_drill_active",
                     "1 while a drill runs (its faults are hidden)",
                     [], [((), 1.0 if self.controller.drills.running else 0.0)])
        counts: dict[tuple[str, str], int] = {}
        for record in manager.active():
            if record.id in hidden:
                continue
            for target in record.targets:
                counts[(record.type, target)] = counts.get((record.type, target), 0) + 1
        yield family(GaugeMetricFamily, "chaos_faults_active",
                     "Active faults per type and target component; > 0 marks a fault window",
                     ["type", "target"], counts.items())
        yield family(CounterMetricFamily, "chaos_fault_injections",
                     "Fault injections by outcome (applied, failed, skipped)",
                     ["type", "outcome"], (manager.injections - hidden_injections).items())
        yield family(CounterMetricFamily, "chaos_fault_reverts",
                     "Fault reverts by outcome (ok, failed; failures are retried)",
                     ["type", "outcome"], (manager.reverts - hidden_reverts).items())
        latest: dict[tuple[str, str], float] = {}
        for record in manager.records.values():
            if record.state == "skipped" or record.id in hidden:
                continue
            edges = [("start", record.created_at)]
            if record.ended_at is not None:
                edges.append(("end", record.ended_at))
            for edge, when in edges:
                key = (record.type, edge)
                latest[key] = max(latest.get(key, 0.0), when)
        yield family(GaugeMetricFamily, "chaos_fault_last_event_timestamp_seconds",
                     "Unix time of the latest fault start or end, per type and edge",
                     ["type", "edge"], latest.items())


class RemediationCollector:
    """chaos_remediation_moves_total{action}: the operator's moves (scale, drain, ready,
    rollback, restart, store moves), the dashboards' "Remediation moves" annotation source.
    Moves are the learner's own, so a drill hides none of them."""

    def __init__(self, moves: Callable[[], list[dict]]) -> None:
        self.moves = moves

    def collect(self):
        # Every action from 0, so the first move is an increase (a counter born at 1 is not).
        counts: dict[tuple[str], int] = {(action,): 0 for action in ACTIONS}
        for entry in self.moves():
            counts[(entry["action"],)] = counts.get((entry["action"],), 0) + 1
        yield family(CounterMetricFamily, "chaos_remediation_moves",
                     "Remediation moves made through the controller, by action",
                     ["action"], counts.items())
