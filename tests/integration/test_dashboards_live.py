"""Every PromQL expression of the Grafana dashboards, run against the live stack's Prometheus.

Grafana cannot run here, so this is the next best thing: take each expression the way
Grafana would send it (template variables interpolated, see tests/dashboards/grafana.py) and
check that Prometheus parses it and returns data, while load runs and a fault is active
(chaos_faults_active, ALERTS and the revert counters only exist around faults). It also checks
the Overview tells the story of the fault: a killed web-2 is shown down, with the blip of
failed attempts HAProxy retried while it took web-2 out of rotation.
"""

from __future__ import annotations

import time

import httpx
import pytest

from tests.dashboards.grafana import (
    BUILTINS_NARROW,
    BUILTINS_WIDE,
    interpolate,
    iter_panels,
    iter_queries,
    label_values_query,
    load_dashboards,
    metric_names,
    variables,
)
from tests.integration.stackctl import FaultDriver

pytestmark = pytest.mark.stack

KILLED = "web-2"
DASHBOARDS = load_dashboards()

# Metrics a dashboard may legitimately select before they exist: the exporter creates the
# series on the first event and, being a Go client, exports no metadata before that either.
# Every panel using one has an `or ... * 0` fallback so it reads 0, not "no data".
BORN_ON_FIRST_EVENT = {
    "etcd_network_peer_sent_failures_total": "created on the first failed send to a peer",
}


class Prometheus:
    def __init__(self, url: str) -> None:
        self.url = url
        self.http = httpx.Client(timeout=10.0)

    def query(self, expr: str) -> list[dict]:
        response = self.http.post(f"{self.url}/api/v1/query", data={"query": expr})
        body = response.json()
        if body.get("status") != "success":
            raise ValueError(f"{body.get('errorType')}: {body.get('error')}")
        return body["data"]["result"]

    def query_range(self, expr: str, seconds: float = 600.0) -> list[dict]:
        """As Grafana runs an annotation query: over the dashboard's window, one point a second."""
        now = time.time()
        response = self.http.post(f"{self.url}/api/v1/query_range", data={
            "query": expr, "start": now - seconds, "end": now, "step": "1s"})
        body = response.json()
        if body.get("status") != "success":
            raise ValueError(f"{body.get('errorType')}: {body.get('error')}")
        return body["data"]["result"]

    def names(self) -> set[str]:
        return set(self.http.get(f"{self.url}/api/v1/label/__name__/values").json()["data"])

    def has_metadata(self, name: str) -> bool:
        response = self.http.get(f"{self.url}/api/v1/metadata", params={"metric": name})
        return bool(response.json()["data"])


def value(prom: Prometheus, expr: str) -> float | None:
    result = prom.query(expr)
    return float(result[0]["value"][1]) if result else None


@pytest.fixture(scope="module")
def prom(stack) -> Prometheus:
    return Prometheus(stack.url("prometheus"))


@pytest.fixture(scope="module")
def fault_window(stack, prom):
    """A live `kill web-2` (kept down) after a short fault that has already been reverted."""
    stack.wait_healthy(timeout=60)
    driver = FaultDriver(stack)
    try:
        # A harmless 1 ms link delay for 1 s: applied and reverted, so the injection and
        # revert counters and the last-event timestamps exist.
        driver.inject("latency", "web-3", duration="1s", ms=1)
        stack.wait_for(lambda: prom.query('chaos_fault_reverts_total{type="latency"}'),
                       timeout=20, what="the latency fault reverted and scraped")
        # A harmless move (web-1 is ready already), for the Remediation moves annotation.
        stack.cli("ready", "web-1")
        stack.wait_for(lambda: prom.query('chaos_remediation_moves_total{action="ready"}'),
                       timeout=20, what="the move counted and scraped")
        fault = stack.kill_with_retried_attempts(
            KILLED,
            kill=lambda: driver.inject("kill", KILLED, duration="120s", stay_down=True),
            revert=lambda record: driver.revert(record["id"]),
        )
        stack.wait_for(lambda: value(prom, f'up{{job="web",instance="{KILLED}"}}') == 0,
                       timeout=15, what=f"Prometheus seeing {KILLED} down")
        stack.wait_for(
            lambda: prom.query(f'ALERTS{{alertstate="firing",alertname="InstanceDown",'
                               f'instance="{KILLED}"}}'),
            timeout=20, what="InstanceDown firing")
        stack.wait_for(lambda: prom.query(f'chaos_faults_active{{target="{KILLED}"}}'),
                       timeout=10, what="chaos_faults_active scraped")
        yield fault
    finally:
        stack.controller.post("/api/abort")
        stack.wait_healthy(timeout=60)


@pytest.fixture(scope="module")
def instance(prom, fault_window) -> str:
    """What the Overview's $instance variable offers first among the healthy instances."""
    up = {r["metric"]["instance"]: r["value"][1] for r in prom.query('up{job="web"}')}
    return sorted(name for name, v in up.items() if v == "1" and name != KILLED)[0]


def grafana_values(builtins: dict, instance: str, show_faults: str = "on") -> dict:
    return {**builtins, "instance": instance, "show_faults": show_faults}


def panel(dashboard: str, title: str) -> dict:
    return next(p for p in iter_panels(DASHBOARDS[dashboard]) if p.get("title") == title)


@pytest.mark.parametrize("name", sorted(DASHBOARDS))
def test_every_expression_parses_and_returns_data(prom, fault_window, instance, name):
    failures = []
    for query in iter_queries(name, DASHBOARDS[name]):
        expr = query.expr
        if query.kind == "variable":
            expr, _label = label_values_query(expr)
        for builtins in (BUILTINS_NARROW, BUILTINS_WIDE):
            sent = interpolate(expr, grafana_values(builtins, instance))
            # Grafana runs an annotation over the dashboard's window, not at its end: a move
            # or a fault that ended a minute ago is still drawn.
            run = prom.query_range if query.kind == "annotation" else prom.query
            try:
                if not run(sent):
                    failures.append(f"{query.where}: no data with {builtins['__rate_interval']}"
                                    f" windows: {sent}")
            except ValueError as exc:
                failures.append(f"{query.where}: {exc}: {sent}")
    assert failures == []


def test_every_metric_name_exists(prom, fault_window):
    known = prom.names()
    missing = set()
    for name, dashboard in DASHBOARDS.items():
        for query in iter_queries(name, dashboard):
            expr = query.expr
            if query.kind == "variable":
                expr, _label = label_values_query(expr)
            for metric in metric_names(expr) - known - set(BORN_ON_FIRST_EVENT):
                if not prom.has_metadata(metric):
                    missing.add(f"{name} {query.where}: {metric}")
    assert sorted(missing) == []


def test_template_variables_resolve_to_real_instances(prom, fault_window):
    for variable in variables(DASHBOARDS["overview.json"]):
        if variable["type"] != "query":
            continue
        selector, label = label_values_query(variable["definition"])
        offered = {r["metric"].get(label) for r in prom.query(selector)}
        assert {"web-1", "web-2", "web-3"} <= offered, (variable["name"], offered)


def test_overview_shows_the_killed_instance_down(prom, fault_window, instance):
    values = grafana_values(BUILTINS_WIDE, instance)

    def by_label(title: str, label: str, ref: str = "A") -> dict[str, float]:
        target = next(t for t in panel("overview.json", title)["targets"] if t["refId"] == ref)
        result = prom.query(interpolate(target["expr"], values))
        return {r["metric"][label]: float(r["value"][1]) for r in result}

    scraped = by_label("Web instances up (Prometheus scrape)", "instance")
    assert scraped[KILLED] == 0
    assert all(v == 1 for name, v in scraped.items() if name != KILLED)
    assert by_label("Web instances in rotation (HAProxy)", "server")[KILLED] == 0
    up = panel("overview.json", "Web instances up")["targets"]
    assert value(prom, up[0]["expr"]) == value(prom, up[1]["expr"]) - 1
    firing = prom.query(interpolate(panel("overview.json", "Firing alerts")["targets"][0]["expr"],
                                    values))
    assert any(r["metric"]["alertname"] == "InstanceDown" and r["metric"]["instance"] == KILLED
               for r in firing)


def test_overview_shows_the_error_blip_of_the_kill(prom, fault_window, instance):
    """The attempts HAProxy sent to web-2 between its death and its removal from rotation
    failed: the errors panel's failed-attempts line rises inside the fault window."""
    errors = panel("overview.json", "Errors: web 5xx, load balancer 5xx, failed attempts HAProxy"
                                    " retried")
    (target,) = [t for t in errors["targets"] if "retried_attempts" in t["expr"]]
    expr = interpolate(target["expr"], grafana_values(BUILTINS_WIDE, instance))
    since_kill = max(1, round(time.time() - fault_window["created_at"]))
    peak = value(prom, f"max_over_time(({expr})[{since_kill}s:1s])")
    assert peak is not None and peak > 0, f"no failed attempts since the kill: {expr}"


@pytest.mark.parametrize("name", sorted(DASHBOARDS))
def test_fault_annotation_marks_the_fault_and_the_switch_hides_it(prom, fault_window,
                                                                  instance, name):
    (annotation,) = [a for a in DASHBOARDS[name]["annotations"]["list"]
                     if "chaos_faults_active" in a["target"]["expr"]]
    expr = annotation["target"]["expr"]
    shown = prom.query(interpolate(expr, grafana_values(BUILTINS_WIDE, instance, "on")))
    assert {(r["metric"]["type"], r["metric"]["target"]) for r in shown} == {("kill", KILLED)}
    assert all(float(r["value"][1]) > 0 for r in shown)  # Grafana marks values > 0
    assert prom.query(interpolate(expr, grafana_values(BUILTINS_WIDE, instance, "off"))) == []
