"""How fast the stack shows and heals what a fault does (p50/p95 over N repetitions).

* dead web instance out of rotation: the controller's ``kill`` (stay down) -> HAProxy
  reports the server DOWN (its own Prometheus endpoint, polled every 20 ms);
* writes resume after a store leader kill: a sequential writer PUTs through ``api`` (1 s
  timeout each); the figure is kill -> the end of the first acknowledged write after the
  last failed one (0 when no write failed);
* fault visible in Prometheus: ``POST /api/faults`` (latency on web-1's links) -> Prometheus
  answers ``chaos_faults_active`` > 0 for it (what the dashboards annotate).

Times start just before the controller is asked, so they include the API round trip.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx

from bench.common import Figure, p50_p95, wait_until
from bench.stack import BenchStack

GROUP = "detection and recovery"


def _in_rotation(stack: BenchStack, server: str) -> bool | None:
    text = stack.http.get(stack.component("lb")["metrics_url"]).text
    needle = f'haproxy_server_status{{proxy="web",server="{server}",state="UP"}}'
    for line in text.splitlines():
        if line.startswith(needle):
            return float(line.rsplit(" ", 1)[1]) == 1
    return None


def _kill(stack: BenchStack, target: str, duration: str = "60s") -> str:
    fault = stack.controller.post("/api/faults", json={
        "type": "kill", "target": target, "duration": duration, "params": {"stay_down": True},
    })
    return fault["id"]


def web_out_of_rotation(stack: BenchStack, kills: int) -> Figure:
    samples: list[float] = []
    webs = stack.names("web")
    for i in range(kills):
        server = webs[i % len(webs)]
        wait_until(lambda server=server: _in_rotation(stack, server), timeout=30)
        started = time.monotonic()
        fault = _kill(stack, server)
        out = wait_until(lambda server=server: _in_rotation(stack, server) is False, 10)
        if out is not None:
            samples.append(time.monotonic() - started)
        stack.controller.delete(f"/api/faults/{fault}")
    summary = p50_p95(samples)
    return Figure(GROUP, "dead web instance out of rotation: p95", round(summary["p95"], 3),
                  "s", {**summary, "kills": kills, "missed": kills - len(samples)},
                  goal="<= 1 s")


class _Writer:
    """Sequential PUTs through the api; keeps (start, end, ok) of every write."""

    def __init__(self, api: str) -> None:
        self.api = api
        self.log: list[tuple[float, float, bool]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=1.0, trust_env=False) as client:
            n = 0
            while not self._stop.is_set():
                n += 1
                started = time.monotonic()
                try:
                    ok = client.put(f"{self.api}/kv/bench-resume",
                                    json={"value": str(n)}).status_code == 200
                except httpx.HTTPError:
                    ok = False
                self.log.append((started, time.monotonic(), ok))
                if not ok:
                    time.sleep(0.01)

    def __enter__(self) -> _Writer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def resume_after(log: list[tuple[float, float, bool]], since: float) -> float | None:
    """Seconds from ``since`` to the end of the first acknowledged write after the last
    failed one (0 if none failed); None if no write succeeded after the last failure."""
    after = [entry for entry in log if entry[1] >= since]
    failures = [start for start, _, ok in after if not ok]
    if not failures:
        return 0.0
    last_failure = max(failures)
    for start, end, ok in after:
        if ok and start > last_failure:
            return end - since
    return None


def writes_resume_after_leader_kill(stack: BenchStack, kills: int, window: float = 6.0) -> Figure:
    samples: list[float] = []
    failed_writes = 0
    for _ in range(kills):
        stack.wait_healthy()
        with _Writer(stack.api) as writer:
            time.sleep(0.5)
            started = time.monotonic()
            fault = _kill(stack, "store:leader")
            time.sleep(window)
        resumed = resume_after(writer.log, started)
        failed_writes += sum(1 for _, end, ok in writer.log if end >= started and not ok)
        if resumed is not None:
            samples.append(resumed)
        stack.controller.delete(f"/api/faults/{fault}")
    stack.wait_healthy()
    summary = p50_p95(samples)
    return Figure(GROUP, "writes resume after a store leader kill: p95", round(summary["p95"], 3),
                  "s", {**summary, "kills": kills, "missed": kills - len(samples),
                        "failed_writes": failed_writes},
                  goal="<= 2.5 s")


def fault_visible_in_prometheus(stack: BenchStack, faults: int) -> Figure:
    samples: list[float] = []
    query = f"{stack.prometheus}/api/v1/query"

    def visible() -> bool:
        body = stack.http.get(query, params={
            "query": 'chaos_faults_active{type="latency",target="web-1"} > 0'}).json()
        return bool(body["data"]["result"])

    for _ in range(faults):
        wait_until(lambda: not visible(), timeout=15)
        started = time.monotonic()
        fault = stack.controller.post("/api/faults", json={
            "type": "latency", "target": "web-1", "duration": "60s", "params": {"ms": 1},
        })["id"]
        seen = wait_until(visible, timeout=15)
        if seen is not None:
            samples.append(time.monotonic() - started)
        stack.controller.delete(f"/api/faults/{fault}")
    summary = p50_p95(samples)
    return Figure(GROUP, "fault visible in Prometheus: p95", round(summary["p95"], 3), "s",
                  {**summary, "faults": faults, "missed": faults - len(samples)}, goal="<= 3 s")


def measure(stack: BenchStack, repeats: int = 10) -> Iterator[Figure]:
    yield web_out_of_rotation(stack, repeats)
    yield fault_visible_in_prometheus(stack, repeats)
    yield writes_resume_after_leader_kill(stack, repeats)
