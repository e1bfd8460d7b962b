"""Per-fault measurements: time to detect, time to recover, worst signals (pure logic).

Detection is the first tick after an injection where a steady-state probe deviates or an alert
fires that was not firing when the run started. Recovery is the first tick after the fault
ended where every probe holds again. With overlapping faults both are per fault, so a fault
injected while the system is still deviating counts as detected at once.
"""

from __future__ import annotations

from chaos.scenarios.probes import ProbeResult
from chaos.scenarios.record import FaultOutcome

# Rate and quantile rules look back 15 s, so a fault keeps showing that long after it ended.
RULE_WINDOW_SECONDS = 15.0

ROUTES = 'route!~"/healthz|/readyz|/metrics"'
SLO_ERROR_BUDGET = 0.001  # 99.9 % of web requests do not fail with 5xx (docs/metrics.md)


def observe(faults: list[FaultOutcome], t: float, probes: list[ProbeResult],
            new_alerts: set[str]) -> list[tuple[str, str]]:
    """Update detection and recovery from one tick; returns (kind, message) events."""
    events = []
    deviating = [p.name for p in probes if not p.ok]
    signals = deviating + sorted(f"alert {a}" for a in new_alerts)
    for fault in faults:
        if fault.applied_at is None or fault.state in ("failed", "skipped"):
            continue
        if fault.time_to_detect is None and signals and t >= fault.applied_at:
            fault.time_to_detect = round(t - fault.applied_at, 3)
            fault.detected_by = signals
            events.append(("detect", f"{fault.label}: detected after {fault.time_to_detect:.1f}s "
                                     f"by {', '.join(signals)}"))
        if (fault.ended_at is not None and fault.time_to_recover is None
                and t >= fault.ended_at and not deviating):
            fault.time_to_recover = round(t - fault.ended_at, 3)
            events.append(("recover", f"{fault.label}: steady state back "
                                      f"{fault.time_to_recover:.1f}s after it ended"))
    return events


def worst_in_window(points: list[tuple[float, float]], start: float, end: float) -> float | None:
    """The highest value from `start` until the rule window after `end` has passed."""
    inside = [v for t, v in points if start <= t <= end + RULE_WINDOW_SECONDS]
    return max(inside) if inside else None


def error_budget_query(seconds: float) -> str:
    """Share of the run's error budget burned: bad / (budget * total) over the run, on web."""
    window = f"{max(1, round(seconds))}s"
    bad = f'sum(increase(http_requests_total{{job="web",{ROUTES},status=~"5.."}}[{window}]))'
    total = f'sum(increase(http_requests_total{{job="web",{ROUTES}}}[{window}]))'
    return f"({bad} or vector(0)) / ({SLO_ERROR_BUDGET} * {total})"
