"""Chaos Toolkit probes against a gameday controller and its Prometheus.

PromQL goes through the controller's read-only pass-through (`/api/prom/query`), so an
experiment needs only the controller's address; set `prometheus_base_url` in the
configuration (the key chaostoolkit-prometheus uses) to query a Prometheus directly.
Window arguments are durations: seconds or 500ms, 30s, 2m.
"""

import math
import time
from typing import Any

import httpx
from chaoslib.exceptions import ActivityFailed
from chaoslib.types import Configuration, Secrets
from pydantic import ValidationError

from chaos.ctk.client import call, transport
from chaos.durations import parse_duration
from chaos.scenarios.model import Probe
from chaos.scenarios.probes import judge_probe

__all__ = [
    "active_faults",
    "burn_rate",
    "error_ratio",
    "p99_latency",
    "query_holds",
    "stack_healthy",
    "store_leader",
    "wait_for_steady_state",
]

SLO_ERROR_BUDGET = 0.001  # 99.9 % of user requests must not fail with 5xx
_USER = 'job="web",route!~"/healthz|/readyz|/metrics"'


def stack_healthy(configuration: Configuration = None, secrets: Secrets = None) -> bool:
    """Whether every component of the stack is running and passes its health check."""
    status = call("GET", "/api/status", configuration, secrets)
    if "healthy" in status:
        return bool(status["healthy"])
    return all(c.get("state") == "running" and c.get("health", "healthy") == "healthy"
               for c in status["components"])


def store_leader(configuration: Configuration = None, secrets: Secrets = None) -> str | None:
    """The etcd member that leads now (e.g. store-2), or None while there is no leader."""
    status = call("GET", "/api/status", configuration, secrets)
    if "store_leader" in status:
        return status["store_leader"]
    return next((c["name"] for c in status["components"] if c.get("leader")), None)


def active_faults(configuration: Configuration = None,
                  secrets: Secrets = None) -> list[dict[str, Any]]:
    """The faults active now (records with id, type, targets, deadline); [] when none."""
    return call("GET", "/api/faults", configuration, secrets, params={"state": "active"})


def _window(window: str | float) -> str:
    try:
        seconds = parse_duration(window)
    except ValueError as exc:
        raise ActivityFailed(f"window: {exc}") from None
    if seconds < 1:
        raise ActivityFailed("window: must be at least 1s (Prometheus scrapes every second)")
    return f"{round(seconds * 1000)}ms"


def _values(query: str, configuration: Configuration, secrets: Secrets) -> list[float]:
    """Every series' value of an instant query; NaN left out (no data, as the runner reads it)."""
    base = (configuration or {}).get("prometheus_base_url")
    if base:
        with httpx.Client(timeout=10.0, transport=transport()) as http:
            response = http.get(f"{base.rstrip('/')}/api/v1/query", params={"query": query})
        if response.status_code != 200:
            raise ActivityFailed(f"Prometheus query {query!r} failed: {response.text}")
        body = response.json()
    else:
        body = call("GET", "/api/prom/query", configuration, secrets, params={"query": query})
    if body.get("status") != "success":
        raise ActivityFailed(f"Prometheus query {query!r} failed: {body.get('error')}")
    values = [float(s["value"][1]) for s in body["data"]["result"]]
    return [v for v in values if not math.isnan(v)]


def _one(query: str, configuration: Configuration, secrets: Secrets) -> float | None:
    values = _values(query, configuration, secrets)
    return max(values) if values else None


def error_ratio(window: str = "15s", configuration: Configuration = None,
                secrets: Secrets = None) -> float | None:
    """Share of user requests to web answered with 5xx over `window` (None: no traffic)."""
    w = _window(window)
    query = (f'(sum(rate(http_requests_total{{{_USER},status=~"5.."}}[{w}]))'
             f" or sum(rate(http_requests_total{{{_USER}}}[{w}])) * 0)"
             f" / sum(rate(http_requests_total{{{_USER}}}[{w}]))")
    return _one(query, configuration, secrets)


def p99_latency(window: str = "15s", configuration: Configuration = None,
                secrets: Secrets = None) -> float | None:
    """Server-side p99 latency of user requests to web over `window`, in seconds."""
    query = (f"histogram_quantile(0.99, sum by (le) "
             f"(rate(http_request_duration_seconds_bucket{{{_USER}}}[{_window(window)}])))")
    return _one(query, configuration, secrets)


def burn_rate(window: str = "1m", configuration: Configuration = None,
              secrets: Secrets = None) -> float | None:
    """How fast web spends its 99.9 % error budget over `window`: 1.0 spends it exactly
    over the SLO period, 14.4 is the fast-burn page threshold (docs/alerts.md)."""
    ratio = error_ratio(window, configuration, secrets)
    return None if ratio is None else ratio / SLO_ERROR_BUDGET


def _probe(check: dict[str, Any]) -> Probe:
    try:
        return Probe.model_validate({"name": check.get("name", check.get("query", "?")),
                                     **check})
    except ValidationError as exc:
        raise ActivityFailed(f"invalid check {check!r}: {exc.errors()[0]['msg']}") from None


def query_holds(query: str, below: float | None = None, above: float | None = None,
                equals: float | None = None, when_missing: str = "fail",
                configuration: Configuration = None, secrets: Secrets = None) -> bool:
    """Whether every series of a PromQL query satisfies exactly one of below / above /
    equals, as a gameday scenario's steady-state probe judges it (the worst series counts,
    NaN is no data, `when_missing` is the verdict without data). Use with tolerance true."""
    probe = _probe({"query": query, "below": below, "above": above, "equals": equals,
                    "when_missing": when_missing})
    return judge_probe(probe, _values(query, configuration, secrets)).ok


def wait_for_steady_state(checks: list[dict[str, Any]], within: str | float = "30s",
                          interval: str | float = "1s", configuration: Configuration = None,
                          secrets: Secrets = None) -> dict[str, Any]:
    """Poll `checks` (each {name, query, below|above|equals, when_missing}) until all hold or
    `within` passes: a scenario's recover_within. Returns {"held": bool, "after": seconds,
    "failing": [names]}; the hypothesis that follows decides the experiment."""
    probes = [_probe(c) for c in checks]
    limit, pause = parse_duration(within), max(parse_duration(interval), 0.1)
    start = time.monotonic()
    while True:
        failing = [p.name for p in probes
                   if not judge_probe(p, _values(p.query, configuration, secrets)).ok]
        elapsed = time.monotonic() - start
        if not failing or elapsed >= limit:
            return {"held": not failing, "after": round(elapsed, 3), "failing": failing}
        time.sleep(min(pause, max(limit - elapsed, 0.0)))
