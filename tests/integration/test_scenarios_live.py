"""Scenarios end to end on the real local stack: one built-in that passes, one hypothesis
built to fail and one run that aborts on its abort_when. Each checks the report folder."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml

from tests.integration.stackctl import Stack

pytestmark = [pytest.mark.stack, pytest.mark.slow]

SCENARIOS = Path(__file__).with_name("scenarios")


def settled(stack: Stack, query: str, below: float) -> bool:
    samples = stack.prom_query(query)
    return bool(samples) and all(float(s["value"][1]) < below for s in samples)


@pytest.fixture
def steady(stack: Stack) -> Stack:
    """A healthy stack whose 15 s windows are clean again (earlier tests broke it), so the
    runner's steady-state check before a run is about this test, not the last one."""
    stack.wait_healthy(timeout=60)
    stack.wait_for(lambda: settled(stack, 'job:http_errors:ratio_rate15s{job="web"}', 0.01),
                   timeout=60, interval=1, what="the web error ratio back under 1%")
    stack.wait_for(
        lambda: settled(stack, 'job:http_request_duration_seconds:p99_15s{job="web"}', 0.25),
        timeout=60, interval=1, what="the web p99 back under 250 ms")
    yield stack
    assert stack.controller.get("/api/faults?state=active") == []


def run_cli(stack: Stack, ref: str, report_dir: Path) -> tuple[int, dict]:
    result = stack.cli("scenario", "run", ref, "--json", "--report-dir", str(report_dir),
                       check=False, timeout=240)
    assert result.stdout.strip(), result.stderr
    return result.returncode, json.loads(result.stdout)


def assert_report(report_dir: Path, verdict: str) -> dict:
    result = json.loads((report_dir / "result.json").read_text())
    assert result["run"]["verdict"] == verdict
    report = (report_dir / "report.md").read_text()
    assert verdict.upper() in report and "## Timeline" in report
    for chart in ("overview", "request-rate", "error-ratio", "p99-latency", "store-leader"):
        assert (report_dir / "charts" / f"{chart}.png").stat().st_size > 10_000
    return result["run"]


def test_web_instance_crash_passes(steady: Stack, tmp_path):
    code, run = run_cli(steady, "web-instance-crash", tmp_path / "crash")
    assert (code, run["verdict"]) == (0, "passed"), run["reason"]
    fault = run["faults"][0]
    assert fault["targets"][0].startswith("web-") and fault["time_to_recover"] is not None
    assert abs(fault["started_at"] - fault["planned_at"]) < 0.25
    saved = assert_report(tmp_path / "crash", "passed")
    assert saved["consistency"] is not None  # the loadgen runs in the test stack
    assert saved["error_budget_burned"] is not None


def test_a_hypothesis_that_cannot_hold_fails(steady: Stack, tmp_path):
    code, run = run_cli(steady, str(SCENARIOS / "must-fail.yaml"), tmp_path / "fail")
    assert (code, run["verdict"]) == (1, "failed"), run["reason"]
    assert run["breaches"][0]["probe"] == "web error ratio"
    assert run["breaches"][0]["phase"] == "during-faults"
    assert run["faults"][0]["time_to_detect"] is not None
    assert run["faults"][0]["worst_error_ratio"] > 0.02
    assert_report(tmp_path / "fail", "failed")


def test_abort_when_aborts_and_reverts_long_before_the_deadline(steady: Stack, tmp_path):
    api = steady.controller
    inline = yaml.safe_load((SCENARIOS / "aborts.yaml").read_text())
    started = api.post("/api/scenarios/run", json={
        "scenario": inline, "name": "aborts", "report_dir": str(tmp_path / "abort")})
    second = steady.cli("scenario", "run", "web-instance-crash", check=False)
    assert second.returncode == 1 and "already going" in second.stderr
    deadline = time.monotonic() + 90
    run = started
    while run["state"] != "finished" and time.monotonic() < deadline:
        time.sleep(1)
        run = api.get(f"/api/runs/{started['id']}")
    assert run["verdict"] == "aborted" and "meltdown" in run["reason"], run
    assert run["elapsed"] < 30  # the fault was meant to last 60 s
    assert api.get("/api/faults?state=active") == []
    assert_report(tmp_path / "abort", "aborted")
    assert started["id"] in [r["id"] for r in api.get("/api/runs")]
