"""Prometheus configuration for the local stack: every component scraped every second."""

from __future__ import annotations

import yaml

from chaos.stack.plan import COMPOSE_DIR, StackPlan


def _target(url: str) -> str:
    return url.split("://", 1)[1].split("/", 1)[0]


def render(plan: StackPlan, enabled: set[str] | None = None) -> str:
    """Scrape what is part of the stack now: a standby slot would only show as down."""
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
    config = {
        "global": {
            # A playground must show a fault within seconds, so scrape and evaluate every 1 s.
            "scrape_interval": "1s",
            "scrape_timeout": "900ms",
            "evaluation_interval": "1s",
            "external_labels": {"stack": "gameday"},
        },
        "rule_files": [str(COMPOSE_DIR / "prometheus" / "rules" / "*.yml")],
        "scrape_configs": [
            {"job_name": job, "metrics_path": "/metrics", "static_configs": targets}
            for job, targets in jobs.items()
        ],
    }
    return "# Rendered by gameday from the stack plan.\n" + yaml.safe_dump(config, sort_keys=False)
