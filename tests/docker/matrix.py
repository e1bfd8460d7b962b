"""The fault matrix under Docker Compose, for the process and network faults:
`python -m tests.docker.matrix --state-dir DIR --project NAME` (run by .ci/docker-e2e).

The same promise as tests/integration/test_fault_matrix.py, on the same Baseline checker
(tests/integration/baseline.py), with the checks whose evidence lives elsewhere under Compose
replaced: container states come from the Docker engine (`docker inspect`), HAProxy's server
states from its own Prometheus exporter, and every component is reached at its container's
address (the plan names containers: `http://web-1:8000`).

For each process and network fault type the catalog says this runtime supports, on
`store:leader` and `web:all` where its roles allow: apply -> visible (container state, or a
proxy fault / iptables rule present); revert -> baseline; abort right after the apply started
-> baseline.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

from chaos.faults import FAULTS
from chaos.stack.plan import StackPlan
from tests.docker.report import Report
from tests.integration.baseline import Baseline
from tests.integration.stackctl import metric_value

PROCESS_FAULTS = {"kill": "exited|restarting|running", "stop": "exited", "restart": "running",
                  "pause": "paused"}
NETWORK_FAULTS = {"latency", "loss", "blackhole", "bandwidth", "partition"}
SELECTORS = {"store:leader": "store", "web:all": "web"}
PARAMS = {"latency": {"ms": 300}, "loss": {"probability": 1.0}, "bandwidth": {"bytes_per_s": 4000}}
Inspect = Callable[[str], dict]


def docker_inspect(project: str) -> Inspect:
    """container name (the Compose service) -> `docker inspect` of its container."""

    def inspect(service: str) -> dict:
        ids = subprocess.run(
            ["docker", "ps", "-aq", "--filter", f"label=com.docker.compose.project={project}",
             "--filter", f"label=com.docker.compose.service={service}"],
            capture_output=True, text=True, check=True, timeout=30).stdout.split()
        if not ids:
            return {}
        out = subprocess.run(["docker", "inspect", ids[0]], capture_output=True, text=True,
                             check=True, timeout=30).stdout
        return json.loads(out)[0]

    return inspect


def container_ip(info: dict) -> str | None:
    for network in (info.get("NetworkSettings", {}).get("Networks") or {}).values():
        if network.get("IPAddress"):
            return network["IPAddress"]
    return None


def reachable(plan: StackPlan, inspect: Inspect) -> StackPlan:
    """The plan with every component URL pointing at its container's address."""
    def rewrite(url: str, name: str) -> str:
        ip = container_ip(inspect(name))
        parts = urlsplit(url)
        if ip is None or parts.hostname != name:
            return url
        return urlunsplit(parts._replace(netloc=f"{ip}:{parts.port}"))

    components = [c.model_copy(update={
        "url": rewrite(c.url, c.name),
        "metrics_url": rewrite(c.metrics_url, c.name) if c.metrics_url else None,
    }) for c in plan.components]
    return plan.model_copy(update={"components": components})


@dataclass
class DockerBaseline(Baseline):
    """Baseline under Compose: containers from the engine, HAProxy from its exporter."""

    inspect: Inspect = field(default=lambda name: {})

    def processes(self) -> list[str]:
        found = []
        for name in self.planned():
            state = self.inspect(name).get("State") or {}
            if not state:
                found.append(f"container {name}: none")
            elif state.get("Paused") or state.get("Status") != "running":
                found.append(f"container {name}: {state.get('Status')}"
                             f"{' (paused)' if state.get('Paused') else ''}")
        if self.status is not None:
            for c in self.status()["components"]:
                if c["name"] in self.planned() and (c.get("held_down")
                                                    or c.get("state") != "running"):
                    found.append(f"status: {c['name']} is {c.get('state')}")
        return found

    def lb_servers(self) -> list[str]:
        text = httpx.get(self.plan.component("lb").metrics_url, timeout=self.timeout).text
        found = []
        running = set(self.planned_webs())
        for web in self.plan.names("web"):
            want = "UP" if web in running else "MAINT"
            if metric_value(text, "haproxy_server_status", proxy="web", server=web,
                            state=want) != 1:
                found.append(f"haproxy (exporter): web/{web} is not {want}")
        return found


class Matrix:
    def __init__(self, state_dir: Path, project: str, inspect: Inspect | None = None) -> None:
        raw = json.loads((state_dir / "stack.json").read_text())
        self.token = (state_dir / "token").read_text().strip()
        self.inspect = inspect or docker_inspect(project)
        self.plan = reachable(StackPlan.model_validate(raw), self.inspect)
        self.controller = raw["endpoints"]["controller"]
        self.http = httpx.Client(timeout=120.0,
                                 headers={"Authorization": f"Bearer {self.token}"})
        self.baseline = DockerBaseline(plan=self.plan, inspect=self.inspect,
                                       status=lambda: self.get("/api/status"))

    def get(self, path: str):
        return self.http.get(f"{self.controller}{path}").raise_for_status().json()

    def inject(self, name: str, selector: str) -> dict:
        body = {"type": name, "target": selector, "duration": "60s",
                "params": PARAMS.get(name, {})}
        response = self.http.post(f"{self.controller}/api/faults", json=body)
        if response.status_code != 201:
            raise AssertionError(f"inject {body} -> {response.status_code} {response.text}")
        return response.json()

    def visible(self, fault: dict) -> str | None:
        name = fault["type"]
        if name in PROCESS_FAULTS:
            states = {t: self.inspect(t).get("State", {}) for t in fault["targets"]}
            wrong = {t: s.get("Status") for t, s in states.items()
                     if s.get("Status") not in PROCESS_FAULTS[name].split("|")}
            return f"container states {wrong}" if wrong else None
        # Network: the fault proxy holds it, or the iptables rules in the namespaces do.
        table = httpx.get(f"{self.plan.proxy_admin_url}/faults", timeout=5).json()
        if any(f.get("id", "").startswith(fault["id"]) for f in table):
            return None
        listed = {f["id"]: f for f in self.get("/api/faults")}
        return None if listed.get(fault["id"], {}).get("state") == "active" else \
            f"{fault['id']} neither in the proxy table nor active: {listed.get(fault['id'])}"

    def cases(self) -> list[tuple[str, str, str | None]]:
        catalog = {e["type"]: e for e in self.get("/api/catalog")}
        out = []
        for name, cls in sorted(FAULTS.items()):
            if name not in PROCESS_FAULTS and name not in NETWORK_FAULTS:
                continue
            entry = catalog[name]
            skip = None if entry["supported_here"] else entry["reason"]
            out.extend((name, sel, skip) for sel, role in SELECTORS.items() if role in cls.roles)
        return out

    def apply_revert(self, name: str, selector: str) -> str:
        fault = self.inject(name, selector)
        wait(lambda: self.visible(fault), 30, f"{name} on {fault['targets']} to show")
        self.http.delete(f"{self.controller}/api/faults/{fault['id']}")
        return self.at_baseline()

    def abort_in_flight(self, name: str, selector: str) -> str:
        errors: list = []
        thread = threading.Thread(target=lambda: _catch(errors, self.inject, name, selector))
        thread.start()
        time.sleep(0.05)
        self.http.post(f"{self.controller}/api/abort")
        thread.join(180)
        self.http.post(f"{self.controller}/api/abort")  # in case the abort came first
        return self.at_baseline()

    def at_baseline(self) -> str:
        left = self.baseline.wait(90)
        if left:
            raise AssertionError("not at baseline: " + "; ".join(left))
        return "baseline"


def _catch(errors: list, fn: Callable, *args) -> None:
    try:
        fn(*args)
    except Exception as exc:  # noqa: BLE001 - an abort may fail the apply: allowed
        errors.append(exc)


def wait(problem: Callable[[], str | None], timeout: float, what: str) -> None:
    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        try:
            last = problem()
            if last is None:
                return
        except Exception as exc:  # noqa: BLE001 - retried until the deadline
            last = f"{type(exc).__name__}: {exc}"
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}: {last}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.docker.matrix")
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--project", default="gameday")
    args = parser.parse_args()
    matrix = Matrix(args.state_dir, args.project)
    report = Report()
    for name, selector, skip in matrix.cases():
        if skip:
            print(f"SKIP {name} {selector}: the docker runtime refuses it: {skip}", flush=True)
            continue
        for label, step in (("apply/revert", matrix.apply_revert),
                            ("abort in flight", matrix.abort_in_flight)):
            report.check(f"matrix {name} {selector} {label}",
                         lambda step=step, name=name, selector=selector: step(name, selector))
    print(f"matrix: {report.passed} passed, {report.failed} failed", flush=True)
    sys.exit(1 if report.failed else 0)


if __name__ == "__main__":
    main()
