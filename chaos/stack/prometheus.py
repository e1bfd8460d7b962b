"""Prometheus configuration: the local stack's whole config (every component scraped every
second), and under Compose the web job's targets as a file_sd file."""

from __future__ import annotations

import json

import yaml

from chaos.stack.plan import COMPOSE_DIR, StackPlan


def _target(url: str) -> str:
    return url.split("://", 1)[1].split("/", 1)[0]


def scrape_targets(plan: StackPlan, enabled: set[str] | None = None) -> dict[str, list[dict]]:
    """Job (= role) -> static targets of what is part of the stack now: a standby slot would
    only show as down."""
    if enabled is None:
        enabled = {c.name for c in plan.components if not c.standby}
    jobs: dict[str, list[dict]] = {}
    for spec in plan.components:
        if spec.metrics_url is None or spec.name not in enabled:
            continue
        jobs.setdefault(spec.role, []).append(
            {"targets": [_target(spec.metrics_url)], "labels": {"instance": spec.name}}
        )
    jobs["controller"] = [
        {"targets": [_target(plan.controller_url)], "labels": {"instance": "controller"}}
    ]
    return jobs


def file_sd(plan: StackPlan, job: str, enabled: set[str] | None = None) -> str:
    """One job's targets as a Prometheus file_sd file (JSON)."""
    return json.dumps(scrape_targets(plan, enabled).get(job, []), indent=2) + "\n"


# Series no rule, dashboard, alert or test reads, dropped at scrape time. Each etcd member
# exports ~1,300 series, ~80 % of them gRPC per-method counters, debugging gauges and Go
# runtime stats: at a 1 s scrape they were half of everything Prometheus ingested
# (bench/resources.py shows the cost per component).
UNUSED_SERIES = {"store": "grpc_.*|etcd_debugging_.*|go_.*|promhttp_.*"}


def _scrape_config(job: str, targets: list[dict]) -> dict:
    config: dict = {"job_name": job, "metrics_path": "/metrics", "static_configs": targets}
    if job in UNUSED_SERIES:
        config["metric_relabel_configs"] = [
            {"source_labels": ["__name__"], "regex": UNUSED_SERIES[job], "action": "drop"}
        ]
    return config


def render(plan: StackPlan, enabled: set[str] | None = None) -> str:
    """The whole config of the local runtime's Prometheus."""
    jobs = scrape_targets(plan, enabled)
    config = {
        "global": {
            # A playground must show a fault within seconds, so scrape and evaluate every 1 s.
            "scrape_interval": "1s",
            "scrape_timeout": "900ms",
            "evaluation_interval": "1s",
            "external_labels": {"stack": "gameday"},
        },
        "rule_files": [str(COMPOSE_DIR / "prometheus" / "rules" / "*.yml")],
        "scrape_configs": [_scrape_config(job, targets) for job, targets in jobs.items()],
    }
    alertmanagers = [_target(c.url) for c in plan.components if c.role == "alertmanager"]
    if alertmanagers:
        config["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": alertmanagers}]}]}
    return "# Rendered by gameday from the stack plan.\n" + yaml.safe_dump(config, sort_keys=False)
