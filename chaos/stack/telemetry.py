"""Where the stack's components send their traces: the controller's OTLP/HTTP receiver
(`POST /v1/traces`, chaos/api/traces.py), with the stack's admin token they already hold.

Given at each start, not saved in the plan: a plan saved before tracing existed gets it too,
and the controller's address is the plan's own.
"""

from __future__ import annotations

from chaos.stack.plan import ComponentSpec, StackPlan

TRACES_PATH = "/v1/traces"


def traces_endpoint(plan: StackPlan) -> str:
    return plan.controller_url + TRACES_PATH


def telemetry_env(plan: StackPlan, spec: ComponentSpec) -> dict[str, str]:
    """Environment for `spec` in the local runtime: web instances and the load generator
    (the root of its requests' traces) export their spans."""
    if spec.role == "web":
        return {"GAMEDAY_WEB_TRACES_ENDPOINT": traces_endpoint(plan)}
    if spec.role == "loadgen":
        return {"GAMEDAY_LOADGEN_TRACES_ENDPOINT": traces_endpoint(plan)}
    return {}
