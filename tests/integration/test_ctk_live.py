"""Chaos Toolkit's own `chaos run` over exported built-ins on the real local stack: three pass;
one whose hypothesis cannot hold after its method deviates, and its rollback (chaos.ctk's
abort) reverts the fault long before the fault's own deadline."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chaos.export.chaostoolkit import to_chaostoolkit
from chaos.scenarios import library
from tests.integration.stackctl import Stack

pytestmark = [pytest.mark.stack, pytest.mark.slow]

CHAOS = Path(sys.executable).with_name("chaos")
# Halves offsets and fault durations; recovery keeps the scenario's own deadline.
TIME_SCALE = 0.5


def settled(stack: Stack, query: str, below: float) -> bool:
    samples = stack.prom_query(query)
    return bool(samples) and all(float(s["value"][1]) < below for s in samples)


@pytest.fixture
def steady(stack: Stack) -> Stack:
    """Clean 15 s windows before the experiment's own steady-state check (earlier tests in
    the session broke them on purpose)."""
    stack.wait_healthy(timeout=60)
    for query, below in (('job:http_errors:ratio_rate15s{job="web"}', 0.01),
                         ('job:http_request_duration_seconds:p99_15s{job="web"}', 0.25),
                         ("job:loadgen_errors:ratio_rate15s", 0.05)):
        stack.wait_for(lambda q=query, b=below: settled(stack, q, b), timeout=60, interval=1,
                       what=f"{query} < {below}")
    yield stack
    assert stack.controller.get("/api/faults?state=active") == []


def chaos_run(stack: Stack, experiment: dict, workdir: Path) -> tuple[int, dict, str]:
    workdir.mkdir(parents=True, exist_ok=True)
    source = workdir / "experiment.json"
    source.write_text(json.dumps(experiment, indent=2))
    journal = workdir / "journal.json"
    result = subprocess.run(
        [str(CHAOS), "--no-version-check", "--no-log-file", "--settings",
         str(workdir / "settings.yaml"), "run", "--journal-path", str(journal), str(source)],
        env=stack.env, cwd=workdir, capture_output=True, text=True, timeout=240)
    assert journal.exists(), result.stdout + result.stderr
    return result.returncode, json.loads(journal.read_text()), result.stdout + result.stderr


@pytest.mark.parametrize("name", ["web-instance-crash", "store-leader-loss", "slow-store-link"])
def test_an_exported_built_in_passes_under_chaos_run(steady: Stack, tmp_path, name):
    experiment = to_chaostoolkit(library.load(name), time_scale=TIME_SCALE)
    code, journal, output = chaos_run(steady, experiment, tmp_path / name)
    assert (code, journal["status"], journal["deviated"]) == (0, "completed", False), output
    injected = [run["output"] for run in journal["run"]
                if run["activity"]["provider"]["func"] == "inject_fault"]
    assert injected and all(f["state"] == "active" for f in injected)
    controller_journal = steady.state.journal_file.read_text()
    for fault in injected:  # the controller applied and reverted what Chaos Toolkit asked
        assert f'"id": "{fault["id"]}"' in controller_journal
    assert journal["rollbacks"][0]["status"] == "succeeded"


def test_a_hypothesis_that_cannot_hold_deviates_and_rolls_back(steady: Stack, tmp_path):
    experiment = to_chaostoolkit(library.load("slow-store-link"), time_scale=TIME_SCALE)
    inject = next(a for a in experiment["method"] if a["type"] == "action")
    # 400 ms on every store call for two minutes: the p99 < 250 ms probe cannot hold after a
    # method that ends 20 s in, so the experiment deviates with the fault still active.
    inject["provider"]["arguments"].update(duration="120s",
                                           params={"to": "store", "ms": 400})
    inject["pauses"] = {"before": 1, "after": 20}
    experiment["method"] = [inject]
    started = time.time()
    code, journal, output = chaos_run(steady, experiment, tmp_path / "deviates")
    assert code == 1 and journal["deviated"] is True, output
    after = {p["activity"]["name"]: p for p in
             journal["steady_states"]["after"]["probes"]}
    assert after["web p99 latency"]["output"] is False
    fault_id = journal["run"][0]["output"]["id"]
    rollback = journal["rollbacks"][0]
    assert rollback["status"] == "succeeded" and fault_id in rollback["output"]["reverted"]
    records = [json.loads(line) for line in steady.state.journal_file.read_text().splitlines()]
    reverted = [r for r in records if r.get("id") == fault_id and r["event"] == "reverted"]
    assert reverted and reverted[0]["ts"] < started + 100  # by the rollback, not the deadline
    assert steady.controller.get("/api/faults?state=active") == []
    assert steady.controller.get(f"/api/faults/{fault_id}")["state"] == "reverted"


def test_chaos_mesh_status_checks_answer_200_only_while_a_probe_holds(stack: Stack):
    """A Chaos Mesh StatusCheck judges the HTTP status alone: the exported PromQL must be a
    200 while the probe holds and an error status when it breaks or (when_missing: fail)
    has no data. Checked against the real Prometheus of the stack."""
    from chaos.export.chaosmesh import breaks, failing_when
    from chaos.scenarios.model import Probe

    stack.wait_for(lambda: stack.prom_query("job:etcd_has_leader:min"), timeout=60,
                   what="the store leader series")
    base = stack.url("prometheus")

    def status(query: str, missing: str = "fail", **threshold: float) -> int:
        probe = Probe(name="p", query=query, when_missing=missing, **threshold)
        expr = failing_when(breaks(probe.query, probe),
                            probe.query if probe.when_missing == "fail" else None)
        return stack.http.get(f"{base}/api/v1/query", params={"query": expr}).status_code

    assert status("job:etcd_has_leader:min", equals=1) == 200
    assert status("job:etcd_has_leader:min", equals=2) == 422
    assert status("job:etcd_has_leader:min", below=0.5) == 422
    assert status("job:etcd_has_leader:min", above=0.5) == 200
    assert status("no_such_series_gameday", below=1) == 422
    assert status("no_such_series_gameday", missing="pass", below=1) == 200
