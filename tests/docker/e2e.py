"""End-to-end checks of a running Compose stack: `python -m tests.docker.e2e --state-dir DIR`.

Run by .ci/docker-e2e after `compose up`. Prints one PASS/FAIL line per check; exits 1 on any
failure. The same visible effects as the local runtime's live tests:

* every service healthy, every Prometheus target up with `instance` = component name;
* a GET through the api endpoint answers X-Trace-Id, and the controller's /api/traces/{id}
  holds that request's spans from web (server span, store-call span under it); with Jaeger
  in the stack (not offline), Jaeger's API has the trace too;
* the load generator's sampled requests are traces rooted at its own client span;
* the controller's log store finds that kind of GET's lines by its trace id: web's access
  line (`/api/logs?component=web-1&...&grep=ID`) and HAProxy's (`component=lb&trace_id=ID`),
  collected from the containers' logs;
* kill web-2: HAProxy takes it out of rotation, the controller brings the container back;
* partition the store leader (iptables in the network namespaces): a new leader is elected,
  writes through the API succeed, the old leader rejoins after the revert, no rule remains;
* drain and ready web-1; scale web to 2 (web-3 stopped, unscraped, in MAINT) and back to 3;
* the load generator's consistency checker reports zero violations.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.docker.report import Report, wait_for

EXPECTED_TARGETS = {
    ("proxy", "proxy"), ("store", "store-1"), ("store", "store-2"), ("store", "store-3"),
    ("web", "web-1"), ("web", "web-2"), ("web", "web-3"), ("lb", "lb"),
    ("prometheus", "prometheus"), ("alertmanager", "alertmanager"), ("loadgen", "loadgen"),
    ("controller", "controller"),
}


class Stack:
    def __init__(self, state_dir: Path, project: str) -> None:
        stack = json.loads((state_dir / "stack.json").read_text())
        self.endpoints = stack["endpoints"]
        self.project = project
        token = (state_dir / "token").read_text().strip()
        self.http = httpx.Client(timeout=10.0)
        self.auth = {"Authorization": f"Bearer {token}"}
        self.controller = self.endpoints["controller"]

    def status(self) -> dict:
        return self.http.get(f"{self.controller}/api/status").json()

    def component(self, name: str) -> dict:
        return next(c for c in self.status()["components"] if c["name"] == name)

    def inject(self, body: dict) -> dict:
        response = self.http.post(f"{self.controller}/api/faults", json=body, headers=self.auth)
        if response.status_code != 201:
            raise AssertionError(f"inject {body} -> {response.status_code} {response.text}")
        return response.json()

    def revert(self, fault_id: str) -> dict:
        return self.http.delete(f"{self.controller}/api/faults/{fault_id}",
                                headers=self.auth).json()

    def query(self, promql: str) -> list[dict]:
        response = self.http.get(f"{self.endpoints['prometheus']}/api/v1/query",
                                 params={"query": promql})
        return response.json()["data"]["result"]

    def put(self, key: str, value: str) -> httpx.Response:
        return self.http.put(f"{self.endpoints['api']}/kv/{key}", json={"value": value},
                             timeout=3.0)

    def container_pid(self, service: str) -> int | None:
        out = subprocess.run(
            ["docker", "ps", "-q", "--filter", f"label=com.docker.compose.project={self.project}",
             "--filter", f"label=com.docker.compose.service={service}"],
            capture_output=True, text=True, check=False).stdout.split()
        if not out:
            return None
        pid = subprocess.run(["docker", "inspect", "-f", "{{.State.Pid}}", out[0]],
                             capture_output=True, text=True, check=False).stdout.strip()
        return int(pid) if pid.isdigit() and pid != "0" else None

    def gameday_rules(self, service: str) -> list[str]:
        pid = self.container_pid(service)
        if pid is None:
            return []
        out = subprocess.run(["nsenter", "-t", str(pid), "-n", "iptables", "-S"],
                             capture_output=True, text=True, check=False).stdout
        return [line for line in out.splitlines() if "gd:" in line]


def run(stack: Stack) -> Report:
    report = Report()

    def all_healthy() -> str:
        status = wait_for("the controller to report every component healthy",
                          lambda: (s := stack.status()).get("healthy") and s, 180)
        names = [c["name"] for c in status["components"]]
        return (f"runtime={status['runtime']} leader={status['store_leader']} "
                f"({len(names)} components)")

    def targets_up() -> str:
        def up() -> bool:
            results = stack.query("up")
            seen = {(r["metric"]["job"], r["metric"]["instance"]) for r in results
                    if r["value"][1] == "1"}
            return seen >= EXPECTED_TARGETS
        wait_for("every Prometheus target up", up, 60)
        return f"{len(EXPECTED_TARGETS)} targets"

    def traced_get(key: str, value: str) -> str:
        """Write `key`, GET it through the api endpoint (both retried for 30 s: a transient
        503 while HAProxy's checks catch up is not a failure); the answer's X-Trace-Id."""
        wait_for("a write through the API", lambda: stack.put(key, value).status_code
                 == 200, 30)
        response = wait_for("a GET through the API answered 200", lambda: (
            (r := stack.http.get(f"{stack.endpoints['api']}/kv/{key}", timeout=3.0))
            .status_code == 200 and r), 30)
        trace_id = response.headers.get("x-trace-id", "")
        assert len(trace_id) == 32, f"no X-Trace-Id: {dict(response.headers)}"
        return trace_id

    def trace_arrives() -> str:
        trace_id = traced_get(f"e2e-trace-{time.time():.0f}", "traced")
        # Web exports every second; the receiver stores what it accepts.
        detail = wait_for(f"trace {trace_id} on the controller", lambda: (
            (r := stack.http.get(f"{stack.controller}/api/traces/{trace_id}")).status_code
            == 200 and r.json()), 30)
        spans = detail["spans"]
        (server,) = [s for s in spans
                     if s["kind"] == "server" and s["service"].startswith("web-")]
        calls = [s for s in spans if s["name"] == "store get"]
        assert server["service"].startswith("web-") and server["name"] == "GET /kv/{key}"
        assert calls and all(c["parent_span_id"] == server["span_id"] for c in calls), spans
        detail = f"{len(spans)} spans from {server['service']} on the controller"
        jaeger = stack.endpoints.get("jaeger")
        if jaeger:
            found = wait_for(f"trace {trace_id} in Jaeger", lambda: (
                (r := stack.http.get(f"{jaeger}/api/traces/{trace_id}")).status_code == 200
                and r.json().get("data")), 30)
            detail += f", {len(found[0]['spans'])} in Jaeger"
        else:
            detail += " (no Jaeger in this stack: offline images)"
        return detail

    def loadgen_traces_arrive() -> str:
        """The load generator's span roots its sampled requests' traces, web's span inside."""
        def rooted() -> tuple[str, list[dict]] | None:
            listed = stack.http.get(f"{stack.controller}/api/traces",
                                    params={"service": "loadgen", "limit": "20"}).json()
            for entry in (e for e in listed if e["root_service"] == "loadgen"):
                spans = stack.http.get(f"{stack.controller}/api/traces/{entry['trace_id']}"
                                       ).json()["spans"]
                if any(s["service"].startswith("web-") for s in spans):
                    return entry["trace_id"], spans
            return None

        trace_id, spans = wait_for("a trace rooted at the load generator's span", rooted, 60)
        [root] = [s for s in spans if s["service"] == "loadgen"]
        assert root["kind"] == "client" and root["parent_span_id"] is None, root
        return f"{trace_id}: {root['name']}, {len(spans)} spans"

    def logs_of_a_request() -> str:
        key = f"e2e-logs-{time.time():.0f}"
        trace_id = traced_get(key, "logged")

        def lines(components: list[str], **params: str) -> list[dict]:
            found = stack.http.get(f"{stack.controller}/api/logs",
                                   params={"component": components, **params})
            found.raise_for_status()
            return found.json()

        # The controller follows every container's log (Docker Engine API) into one store.
        web, lb = wait_for(f"web's and HAProxy's lines of trace {trace_id} in /api/logs", lambda: (
            (w := lines(["web-1", "web-2", "web-3"], grep=trace_id))
            and (b := lines(["lb"], trace_id=trace_id)) and (w, b)), 30)
        assert all(line["trace_id"] == trace_id for line in web + lb), (web, lb)
        assert any(f"/kv/{key}" in line["message"] for line in lb), lb
        return f"{web[0]['component']}: {web[0]['message']!r}; lb: {lb[0]['message'][:50]!r}"

    def kill_web() -> str:
        before = stack.component("web-2")
        fault = stack.inject({"type": "kill", "target": "web-2", "duration": "30s"})
        # HAProxy takes it out (observed through Prometheus, which scrapes lb every second).
        wait_for("HAProxy to mark web-2 DOWN", lambda: any(
            r["value"][1] == "0" for r in stack.query(
                'min_over_time(haproxy_server_status{proxy="web",server="web-2",state="UP"}[30s])')
        ), 20)
        # The controller starts the container again, and HAProxy puts it back.
        wait_for("web-2 restarted and healthy", lambda: (
            (c := stack.component("web-2"))["restarts"] > before["restarts"]
            and c["health"] == "healthy" and c["state"] == "running"), 45)
        wait_for("HAProxy to mark web-2 UP again", lambda: any(
            r["value"][1] == "1" for r in stack.query(
                'haproxy_server_status{proxy="web",server="web-2",state="UP"}')), 30)
        stack.revert(fault["id"])
        return f"pid {before['pid']} -> {stack.component('web-2')['pid']}"

    def partition_leader() -> str:
        old = wait_for("a store leader", lambda: stack.status()["store_leader"], 30)
        fault = stack.inject({"type": "partition", "target": old, "duration": "60s"})
        try:
            rules = sum(len(stack.gameday_rules(s)) for s in
                        ("store-1", "store-2", "store-3", "web-1", "web-2", "web-3"))
            if rules == 0:
                raise AssertionError("no iptables rule found in any namespace")
            new = wait_for("a new store leader", lambda: (
                (leader := stack.status()["store_leader"]) not in (None, old) and leader), 30)
            wait_for(f"{old} reported unhealthy", lambda: stack.component(old)["health"]
                     == "unhealthy", 20)
            written = wait_for("a write through the API", lambda: stack.put(
                "e2e-partition", f"written-under-partition-{time.time():.0f}"
            ).status_code == 200, 30)
            assert written
        finally:
            stack.revert(fault["id"])
        wait_for(f"{old} healthy again after the revert", lambda: stack.component(old)["health"]
                 == "healthy", 60)
        left = {s: stack.gameday_rules(s) for s in
                ("store-1", "store-2", "store-3", "web-1", "web-2", "web-3", "lb")}
        if any(left.values()):
            raise AssertionError(f"iptables rules left after revert: {left}")
        return f"leader {old} -> {new}; {rules} iptables rules applied and removed"

    def drain_and_ready() -> str:
        # The controller drives HAProxy's runtime API through the socket volume it shares.
        def act(action: str) -> None:
            response = stack.http.post(f"{stack.controller}/api/components/web-1/{action}",
                                       headers=stack.auth)
            if response.status_code != 200:
                raise AssertionError(f"{action} -> {response.status_code} {response.text}")

        def admin_state() -> str:
            results = stack.query('haproxy_server_status{proxy="web",server="web-1"} == 1')
            return ",".join(sorted(r["metric"]["state"] for r in results))

        act("drain")
        wait_for("HAProxy to report web-1 draining", lambda: "DRAIN" in admin_state(), 15)
        act("ready")
        wait_for("HAProxy to report web-1 UP", lambda: admin_state() == "UP", 15)
        return "drain -> DRAIN, ready -> UP"

    def scale_in_and_out() -> str:
        def scale(count: int) -> None:
            response = stack.http.post(f"{stack.controller}/api/scale",
                                       json={"role": "web", "count": count}, headers=stack.auth,
                                       timeout=90.0)
            if response.status_code != 200:
                raise AssertionError(f"scale {count} -> {response.status_code} {response.text}")

        def scraped_webs() -> set[str]:
            return {r["metric"]["instance"] for r in stack.query('up{job="web"}')}

        scale(2)
        wait_for("web-3 out of the stack", lambda: "web-3" not in {
            c["name"] for c in stack.status()["components"]}, 30)
        # The controller rewrote the web job's file_sd targets: web-3 is not scraped as down.
        wait_for("Prometheus scraping web-1 and web-2 only",
                 lambda: scraped_webs() == {"web-1", "web-2"}, 30)
        wait_for("HAProxy holding web-3 in maintenance", lambda: stack.query(
            'haproxy_server_status{proxy="web",server="web-3",state="MAINT"} == 1'), 15)
        scale(3)
        wait_for("web-3 back and healthy",
                 lambda: stack.component("web-3")["health"] == "healthy", 60)
        wait_for("Prometheus scraping web-3 again", lambda: any(
            r["value"][1] == "1" for r in stack.query('up{job="web",instance="web-3"}')), 30)
        return "web=2: web-3 stopped, not scraped, MAINT in HAProxy; web=3: back and scraped"

    def consistency() -> str:
        url = f"{stack.endpoints['loadgen']}/gameday/consistency"
        # Enough history to mean something: reads from before, during and after the faults.
        wait_for("50 checked reads", lambda: stack.http.get(url).json()["reads_checked"] >= 50,
                 90, interval=2.0)
        summary = stack.http.get(url).json()
        violations = summary["violations"]
        if sum(violations.values()) != 0:
            raise AssertionError(f"violations: {violations}; examples: {summary['examples'][:3]}")
        if summary["reads_checked"] == 0:
            raise AssertionError("the checker checked no read")
        return (f"0 violations in {summary['reads_checked']} reads, "
                f"{summary['acknowledged_writes']} acknowledged writes")

    def scenario(name: str) -> Callable[[], str]:
        """A built-in scenario run by the controller inside Compose, its verdict asserted."""
        def run_it() -> str:
            wait_for("a healthy stack before the run",
                     lambda: stack.status().get("healthy"), 120)

            def start() -> httpx.Response | None:
                # 409 = the steady state does not hold yet (the last fault's 15 s window).
                response = stack.http.post(f"{stack.controller}/api/scenarios/run",
                                           json={"scenario": name}, headers=stack.auth)
                if response.status_code == 409:
                    return None
                return response

            response = wait_for(f"{name} to start once the steady state holds", start, 120,
                                interval=3.0)
            if response.status_code != 201:
                raise AssertionError(f"start -> {response.status_code} {response.text}")
            run_id = response.json()["id"]
            record = wait_for(f"{name} to finish", lambda: (
                (r := stack.http.get(f"{stack.controller}/api/runs/{run_id}").json())
                .get("state") == "finished" and r), 240, interval=2.0)
            if record.get("verdict") != "passed":
                raise AssertionError(f"verdict {record.get('verdict')}: {record.get('reason')}; "
                                     f"breaches {record.get('breaches')}")
            return f"passed in {record['elapsed']:.0f}s"
        return run_it

    def page_on_store_majority_loss() -> str:
        """Prometheus -> Alertmanager -> the controller's pager, inside Compose: Alertmanager
        reads the stack's token from the admin-token volume to call the webhook."""
        wait_for("a healthy stack", lambda: stack.status().get("healthy"), 120)
        started = time.time()
        fault = stack.inject({"type": "stop", "target": "store:majority", "duration": "60s"})
        try:
            page = wait_for("a StoreNoLeader page within 30 s", lambda: next((
                p for p in stack.http.get(f"{stack.controller}/api/pages").json()
                if p["group_labels"].get("alertname") == "StoreNoLeader"
                and p["opened_at"] >= started), None), 30)
        finally:
            stack.revert(fault["id"])
        wait_for("the page to resolve", lambda: stack.http.get(
            f"{stack.controller}/api/pages/{page['id']}").json()["status"] == "resolved", 90)
        return f"paged after {page['opened_at'] - started:.0f}s; resolved after recovery"

    def healthy_at_end() -> str:
        return all_healthy()

    if not report.check("stack healthy", all_healthy):
        return report
    report.check("prometheus targets up", targets_up)
    report.check("a GET's X-Trace-Id resolves to web's spans via the controller", trace_arrives)
    report.check("the load generator's spans root its traces on the controller",
                 loadgen_traces_arrive)
    report.check("a GET's trace id finds web's and HAProxy's log lines via the controller",
                 logs_of_a_request)
    report.check("kill web-2 (HAProxy marks it down, container restarted)", kill_web)
    report.check("partition store leader (new leader, writes succeed)", partition_leader)
    report.check("drain and ready web-1 through HAProxy's runtime API", drain_and_ready)
    report.check("scale web to 2 and back to 3", scale_in_and_out)
    report.check("scenario web-instance-crash: passed", scenario("web-instance-crash"))
    report.check("scenario store-leader-loss: passed", scenario("store-leader-loss"))
    report.check("store majority stopped: Alertmanager pages the controller",
                 page_on_store_majority_loss)
    report.check("consistency checker: zero violations", consistency)
    report.check("stack healthy after the faults", healthy_at_end)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.docker.e2e")
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--project", default="gameday")
    args = parser.parse_args()
    report = run(Stack(args.state_dir, args.project))
    print(f"e2e: {report.passed} passed, {report.failed} failed", flush=True)
    sys.exit(1 if report.failed else 0)


if __name__ == "__main__":
    main()
