"""Chaos Toolkit actions against a gameday controller.

Each function is an activity for chaostoolkit-lib's Python provider:
`{"type": "python", "module": "chaos.ctk.actions", "func": "inject_fault", "arguments": {...},
"secrets": ["gameday"]}`. `configuration` and `secrets` are filled in by Chaos Toolkit.
Every fault injected here carries its own deadline in the controller, which reverts it even
if the experiment dies; `abort()` is the rollback that reverts everything at once.
"""

import time
from typing import Any

from chaoslib.exceptions import ActivityFailed
from chaoslib.types import Configuration, Secrets

from chaos.ctk.client import call

__all__ = [
    "abort",
    "drain",
    "inject_fault",
    "ready",
    "revert_fault",
    "rollback",
    "run_scenario",
    "scale_web",
]

RUN_POLL_SECONDS = 1.0
# Past a run's planned length: time for the heal, the report and its charts.
RUN_GRACE_SECONDS = 180.0


def inject_fault(type: str, target: str, duration: str | float = "30s",
                 params: dict[str, Any] | None = None, probability: float = 1.0,
                 configuration: Configuration = None,
                 secrets: Secrets = None) -> dict[str, Any]:
    """Inject a fault now (`gameday catalog` lists the types and their params).

    `target` is a component (web-2, store-1, lb) or a selector (web:random, web:all,
    web:count=2, store:leader, store:majority). The controller reverts the fault after
    `duration` (seconds or 500ms, 30s, 2m) on its own. Returns the fault record: its `id`,
    the components it hit (`targets`) and its `deadline`."""
    body = {"type": type, "target": target, "duration": duration,
            "params": params or {}, "probability": probability}
    return call("POST", "/api/faults", configuration, secrets, json=body)


def revert_fault(id: str, configuration: Configuration = None,
                 secrets: Secrets = None) -> dict[str, Any]:
    """Revert one fault by its id (as returned by inject_fault); returns its final record."""
    return call("DELETE", f"/api/faults/{id}", configuration, secrets)


def abort(configuration: Configuration = None, secrets: Secrets = None) -> dict[str, Any]:
    """Revert every active fault now: the rollback of every exported experiment.

    Returns `{"reverted": [fault ids]}`; reverting nothing is not an error."""
    return call("POST", "/api/abort", configuration, secrets, timeout=120)


def scale_web(count: int, configuration: Configuration = None,
              secrets: Secrets = None) -> dict[str, Any]:
    """Run `count` web instances; HAProxy picks up the new ones through its runtime API."""
    return call("POST", "/api/scale", configuration, secrets, timeout=120,
                json={"role": "web", "count": count})


def _component(name: str, action: str, configuration: Configuration,
               secrets: Secrets) -> dict[str, Any]:
    return call("POST", f"/api/components/{name}/{action}", configuration, secrets, timeout=120)


def drain(name: str, configuration: Configuration = None,
          secrets: Secrets = None) -> dict[str, Any]:
    """Take web instance `name` out of HAProxy's rotation once its requests finish."""
    return _component(name, "drain", configuration, secrets)


def ready(name: str, configuration: Configuration = None,
          secrets: Secrets = None) -> dict[str, Any]:
    """Put web instance `name` back into rotation (undoes drain)."""
    return _component(name, "ready", configuration, secrets)


def rollback(name: str, configuration: Configuration = None,
             secrets: Secrets = None) -> dict[str, Any]:
    """Restart web instance `name` on its last good release (undoes a bad deploy)."""
    return _component(name, "rollback", configuration, secrets)


def run_scenario(name: str, force: bool = False, configuration: Configuration = None,
                 secrets: Secrets = None) -> dict[str, Any]:
    """Run a built-in scenario in the controller and wait for its verdict.

    Returns the finished run record (`verdict` passed, failed or aborted; `reason`,
    `faults`, `breaches`). Fails when the controller refuses the run (unknown name, a run
    already going, a steady state that does not hold without `force`) or it does not finish
    within its planned length plus a grace period."""
    started = call("POST", "/api/scenarios/run", configuration, secrets, timeout=60,
                   json={"scenario": name, "force": force, "source": "chaostoolkit"})
    deadline = time.monotonic() + started["planned_seconds"] + RUN_GRACE_SECONDS
    current = started
    while current["state"] != "finished":
        if time.monotonic() > deadline:
            raise ActivityFailed(f"run {started['id']} did not finish in time")
        time.sleep(RUN_POLL_SECONDS)
        current = call("GET", f"/api/runs/{started['id']}", configuration, secrets)
    return current
