"""The real entry point (`python -m services.loadgen`, master + 2 workers) against the
in-memory stand-in KV server. Bounded: every wait has a deadline, every process is killed.

The tests share one running loadgen and run in file order: steady rate, live rate change,
exact totals once stopped, then the lost-write sweep.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

REPO = Path(__file__).resolve().parents[3]
STANDIN = Path(__file__).with_name("standin_kv.py")
START_RATE = 40


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if result := condition():
                return result
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def start(command: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    # Own session, so teardown can kill the loadgen's Locust children along with it.
    return subprocess.Popen(command, cwd=REPO, start_new_session=True, env=env)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # anything left in its session
    process.wait()


TOKEN = "loadgen-test-token"


class Stack:
    def __init__(self, kv_url: str, loadgen_url: str) -> None:
        self.kv = httpx.Client(base_url=kv_url, timeout=5)
        self.loadgen = httpx.Client(
            base_url=loadgen_url, timeout=15, headers={"Authorization": f"Bearer {TOKEN}"}
        )
        self.anonymous = httpx.Client(base_url=loadgen_url, timeout=15)

    def load(self) -> dict:
        return self.loadgen.get("/gameday/load").json()

    def requests_sent(self) -> float:
        text = self.loadgen.get("/metrics").text
        return sum(
            sample.value
            for family in text_string_to_metric_families(text)
            if family.name == "loadgen_requests"
            for sample in family.samples
            if sample.name == "loadgen_requests_total"
        )

    def requests_served(self) -> int:
        return self.kv.get("/_standin/stats").json()["requests"]

    def measured_rate(self, seconds: float) -> float:
        """Requests/s arriving at the stand-in server. Counted there, exactly: the loadgen's
        own totals move in steps, as its workers report once a second, and a step more or
        less in a short window is a 40 % error at 40 req/s."""
        before = self.requests_served()
        time.sleep(seconds)
        return (self.requests_served() - before) / seconds


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    kv_port, web_port = free_port(), free_port()
    # The token from a file, as under Compose (GAMEDAY_ADMIN_TOKEN_FILE).
    token_file = tmp_path_factory.mktemp("loadgen") / "admin-token"
    token_file.write_text(TOKEN + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GAMEDAY_ADMIN_TOKEN")}
    env["GAMEDAY_ADMIN_TOKEN_FILE"] = str(token_file)
    kv = start([sys.executable, str(STANDIN), str(kv_port)])
    loadgen = None
    try:
        s = Stack(f"http://127.0.0.1:{kv_port}", f"http://127.0.0.1:{web_port}")
        wait_for(lambda: s.kv.get("/_standin/stats").is_success, 15, "the stand-in KV server")
        loadgen = start(
            [
                sys.executable, "-m", "services.loadgen",
                "--target", f"http://127.0.0.1:{kv_port}",
                "--web-host", "127.0.0.1", "--web-port", str(web_port),
                "--rate", str(START_RATE), "--workers", "2", "--loglevel", "WARNING",
            ],
            env,
        )  # fmt: skip
        wait_for(
            lambda: s.load()["state"] == "running" and s.load()["running_users"] > 0,
            90,  # three Python processes importing Locust: ~40 s on a busy 2-core box
            "the loadgen to run",
        )
        yield s
    finally:
        if loadgen is not None:
            stop(loadgen)
        stop(kv)


def test_sends_the_target_rate(stack: Stack) -> None:
    assert stack.load()["rate"] == START_RATE
    assert stack.loadgen.get("/").is_success  # Locust's own web UI is still there
    time.sleep(1)  # users start at random phases within their first slot
    assert stack.measured_rate(4) == pytest.approx(START_RATE, rel=0.3)


def test_every_changing_call_needs_the_token(stack: Stack) -> None:
    """Ours and Locust's own: without the stack's token nothing changes; reads stay open."""
    calls = [
        ("POST", "/gameday/load", {"rate": 0}),
        ("POST", "/gameday/consistency/sweep", None),
        ("POST", "/swarm", None),
        ("POST", "/stop", None),
        ("POST", "/stats/reset", None),
        ("PUT", "/gameday/load", {"rate": 0}),
        ("DELETE", "/gameday/load", None),
    ]
    for method, path, body in calls:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
            response = stack.anonymous.request(method, path, json=body, headers=headers)
            assert response.status_code == 401, (method, path, headers, response.text)
            assert response.json()["field"] == "Authorization"
    assert stack.load()["rate"] == START_RATE and stack.load()["state"] == "running"
    assert stack.anonymous.get("/gameday/consistency").status_code == 200
    assert stack.anonymous.get("/metrics").status_code == 200


def test_post_load_changes_the_rate(stack: Stack) -> None:
    response = stack.loadgen.post("/gameday/load", json={"rate": 2 * START_RATE})
    assert response.status_code == 200
    assert response.json()["rate"] == 2 * START_RATE
    bad = stack.loadgen.post("/gameday/load", json={"users": "many"})
    assert (bad.status_code, bad.json()["field"]) == (422, "users")
    time.sleep(1)
    assert stack.measured_rate(4) == pytest.approx(2 * START_RATE, rel=0.3)


def test_every_request_is_counted_exactly_once(stack: Stack) -> None:
    stack.loadgen.post("/gameday/load", json={"rate": 0})
    wait_for(lambda: stack.load()["running_users"] == 0, 15, "users to stop")
    served = stack.kv.get("/_standin/stats").json()["requests"]
    assert served > 0
    # Workers report every second; once their last reports are in, the totals must match:
    # fewer means lost reports, more means double counting.
    wait_for(lambda: stack.requests_sent() >= served, 5, "the workers' last reports")
    assert stack.requests_sent() == served


def test_sweep_reports_a_write_lost_behind_the_apis_back(stack: Stack) -> None:
    # Alone (`-k`), the module's stack has only just started: wait for its first writes.
    stack.loadgen.post("/gameday/load", json={"rate": START_RATE})
    before = wait_for(lambda: (c := stack.loadgen.get("/gameday/consistency").json())[
        "acknowledged_writes"] > 0 and c, 15, "the first acknowledged writes")
    assert before["violations"] == {"lost_write": 0, "stale_read": 0, "revision_regression": 0}

    stack.loadgen.post("/gameday/load", json={"rate": 0})  # no new writes while we check
    forgotten = stack.kv.post("/_standin/forget", params={"prefix": "cc/"}).json()["forgotten"]
    assert forgotten

    report = stack.loadgen.post("/gameday/consistency/sweep").json()
    assert report["last_sweep"]["keys"] == len(forgotten)
    assert report["violations"]["lost_write"] >= len(forgotten)
    assert report["violations"]["stale_read"] == 0
    assert {example["kind"] for example in report["examples"]} == {"lost_write"}
    lost = float(report["violations"]["lost_write"])
    metrics = stack.loadgen.get("/metrics").text
    assert f'loadgen_consistency_violations_total{{kind="lost_write"}} {lost}' in metrics
