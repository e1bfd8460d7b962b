"""Drive a real local stack from tests: start it on free ports in a temp dir, query it, stop it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx

from chaos.cli.client import ControllerClient
from chaos.state import StateDir


class Stack:
    def __init__(self, state_dir: Path) -> None:
        self.state = StateDir(state_dir)
        self.env = {
            # How long `up` waits for a healthy stack before giving up (60 s by default): on a
            # machine shared with other stacks and suites a cold start can take longer, and the
            # tests are about the stack, not about how busy the machine is.
            "GAMEDAY_STARTUP_TIMEOUT_SECONDS": "240",
            **os.environ,
            "GAMEDAY_STATE_DIR": str(state_dir),
            "GAMEDAY_PORTS": "free",
        }
        self.http = httpx.Client(timeout=5.0)

    def cli(
        self, *args: str, check: bool = True, timeout: float = 120
    ) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, "-m", "chaos.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"gameday {' '.join(args)} exited {result.returncode}\n"
                f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
            )
        return result

    def up(self, *args: str) -> None:
        # Always the local runtime: a Docker engine on the test machine must not change it.
        self.cli("up", "--runtime", "local", *args, timeout=300)

    def down(self) -> None:
        self.cli("down", check=False, timeout=120)

    @property
    def controller(self) -> ControllerClient:
        return ControllerClient(self.state)

    def status(self) -> dict:
        return json.loads(self.cli("status", "--json").stdout)

    def component(self, name: str) -> dict:
        return next(c for c in self.status()["components"] if c["name"] == name)

    def url(self, endpoint: str) -> str:
        return self.status()["endpoints"][endpoint]

    def leader(self) -> str | None:
        return self.status()["store_leader"]

    def wait_for(self, predicate, timeout: float = 30.0, interval: float = 0.25, what: str = ""):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                last = predicate()
                if last:
                    return last
            except Exception as exc:  # noqa: BLE001 - keep polling until the deadline
                last = exc
            time.sleep(interval)
        raise AssertionError(
            f"timed out after {timeout}s waiting for {what or predicate}: {last!r}"
        )

    def wait_healthy(self, timeout: float = 45.0) -> dict:
        return self.wait_for(
            lambda: (s := self.status())["healthy"] and s, timeout, what="a healthy stack"
        )

    @contextmanager
    def paused_load(self, rate: str = "20") -> Iterator[None]:
        """The load generator at rate 0 while the block runs, then back at `rate`: a test that
        needs to be first to a web instance after a fault keeps its unsampled requests away."""
        self.cli("load", "set", "--rate", "0")
        try:
            yield
        finally:
            self.cli("load", "set", "--rate", rate)

    def store_member_of(self, web_url: str) -> str:
        """The store member a web instance sends its calls to now, read from its /readyz
        ("<endpoint> sees leader ..."): the endpoint is one of its fault proxy links."""
        detail = self.http.get(f"{web_url}/readyz").json()["detail"]
        endpoint = detail.split()[0]
        links = {f"http://{link.listen}": link.name.split("->")[1]
                 for link in self.controller.plan.proxy_links if "->store-" in link.name}
        return links[endpoint]

    def move_store_leader(self, member: str) -> None:
        """Hand the Raft leadership to `member` (etcd's MoveLeader, asked of the leader)."""
        plan = self.controller.plan
        target = self.http.post(f"{plan.component(member).url}/v3/maintenance/status",
                                json={}).json()
        leader = self.leader()
        assert leader is not None
        moved = self.http.post(f"{plan.component(leader).url}/v3/maintenance/transfer-leadership",
                               json={"targetID": target["header"]["member_id"]})
        assert moved.status_code == 200, moved.text
        self.wait_for(lambda: self.leader() == member, timeout=30,
                      what=f"{member} to be the store leader")

    @contextmanager
    def user_traffic(self, rate: float = 60.0, seconds: float = 4.0) -> Iterator[None]:
        """Extra GETs through the load balancer while the block runs (bounded: rate x seconds).

        HAProxy takes a killed instance out of rotation within about half a second. At the
        stack's steady 20 req/s only ~3 requests reach it in that time, and now and then none
        do, so a test that wants to see the failed attempts of a kill sends more traffic into
        that half second instead of hoping.
        """
        url = f"{self.url('api')}/kv/gameday-test-traffic"
        stop = threading.Event()

        def send() -> None:
            with httpx.Client(timeout=2.0) as client:
                for _ in range(int(rate * seconds)):
                    if stop.wait(1.0 / rate):
                        return
                    # A failed request is exactly what a fault may cause.
                    with suppress(httpx.HTTPError):
                        client.get(url)

        sender = threading.Thread(target=send, name="user-traffic", daemon=True)
        sender.start()
        try:
            yield
        finally:
            sender.join(timeout=seconds + 5)
            stop.set()
            sender.join(timeout=5)

    def metrics(self, name: str) -> str:
        """A component's own /metrics text, read directly (no Prometheus scrape delay)."""
        return self.http.get(self.controller.plan.component(name).metrics_url).text

    def lb_counter(self, name: str, server: str) -> float:
        """HAProxy's per-server counter haproxy_server_<name>_total, read from HAProxy itself."""
        return metric_value(self.metrics("lb"), f"haproxy_server_{name}_total", proxy="web",
                            server=server) or 0

    def in_rotation(self, server: str) -> bool:
        """Whether HAProxy has the web server UP (its checks pass and it takes traffic)."""
        return metric_value(self.metrics("lb"), "haproxy_server_status", proxy="web",
                            server=server, state="UP") == 1

    def kill_with_retried_attempts(self, server: str, kill, revert, tries: int = 3):
        """kill() under extra traffic until HAProxy re-sent at least one attempt away from
        `server`; returns what kill() returned.

        Usually the first kill does it. Now and then HAProxy's health check takes the instance
        out before any request reaches it, and that kill has no blip to show: a real race, not
        a bug, so revert(result), wait until the instance is back in rotation, and kill again.
        """
        for _ in range(tries):
            before = self.lb_counter("redispatch_warnings", server)
            with self.user_traffic():
                result = kill()
            if self.lb_counter("redispatch_warnings", server) > before:
                return result
            revert(result)
            self.wait_for(lambda: self.in_rotation(server), timeout=30,
                          what=f"{server} back in HAProxy's rotation")
        raise AssertionError(f"{tries} kills of {server}, and HAProxy's checks took it out of "
                             "rotation before any request reached it every time")

    def prom_query(self, expr: str) -> list[dict]:
        response = self.http.get(f"{self.url('prometheus')}/api/v1/query", params={"query": expr})
        response.raise_for_status()
        body = response.json()
        assert body["status"] == "success", body
        return body["data"]["result"]


def metric_value(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in Prometheus text format, matched by name and labels."""
    total = None
    for line in text.splitlines():
        if not line.startswith(name) or line.startswith("#"):
            continue
        series, _, value = line.rpartition(" ")
        metric, _, label_text = series.partition("{")
        if metric != name:
            continue
        if all(f'{k}="{v}"' in label_text for k, v in labels.items()):
            total = (total or 0.0) + float(value)
    return total


class FaultDriver:
    """Inject and revert faults on a stack through its controller API."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack

    def inject(self, fault_type: str, target: str, duration: str = "60s", **params) -> dict:
        # An apply may take long (disk-fill writes up to etcd's quota): the client waits.
        return ControllerClient(self.stack.state, timeout=300.0).post(
            "/api/faults",
            json={"type": fault_type, "target": target, "duration": duration, "params": params},
        )

    def revert(self, fault_id: str) -> dict:
        return self.stack.controller.delete(f"/api/faults/{fault_id}")

    def active(self) -> list[dict]:
        return self.stack.controller.get("/api/faults?state=active")

    def proxy_faults(self) -> list:
        plan = self.stack.controller.plan
        return httpx.get(f"{plan.proxy_admin_url}/faults").json()
