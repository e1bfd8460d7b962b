"""While a drill runs on the real stack, nothing a learner reads names its fault: not
`gameday status`, not the API, not the controller's or the web instances' /metrics, not
Prometheus (nor its exemplars), not the components' logs, not the stored traces. The reveal
then shows it.

The oracle (which fault, which id) comes from the incident library and the fault journal,
which is what the reveal reads too."""

from __future__ import annotations

import json
import random
import re
import time

import httpx
import pytest

from chaos.cli.client import ControllerClient
from chaos.drills import incidents

# A stack start on a busy machine plus the reveal's debrief (charts) can take minutes.
pytestmark = [pytest.mark.stack, pytest.mark.timeout(480)]

# Words that name a fault or its mechanism, matched at a word start ("kill" finds "killed").
MECHANISMS = ("kill", "sigkill", "sigstop", "fault", "pause", "cpu-burn", "memory-leak")


def status(stack) -> dict:
    return stack.controller.get("/api/status")


def component(stack, name: str) -> dict:
    return next(c for c in status(stack)["components"] if c["name"] == name)


def pick(stack, difficulty: str, name: str) -> tuple[int, incidents.Incident]:
    """A seed that makes the drill this incident on this stack, and the incident it makes."""
    status = stack.controller.get("/api/status")
    webs = [c["name"] for c in status["components"] if c["role"] == "web"]
    stores = [c["name"] for c in status["components"] if c["role"] == "store"]
    top = incidents.Topology(webs=webs, stores=stores, leader=status["store_leader"])
    for seed in range(500):
        picked = incidents.pick(difficulty, top, random.Random(seed))
        if picked.name == name:
            return seed, picked
    raise AssertionError(f"no seed picks {name}")


def leaks(text: str, words: set[str]) -> list[str]:
    lowered = text.lower()
    return sorted(w for w in words if re.search(rf"\b{re.escape(w.lower())}", lowered))


def log_sizes(stack) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in stack.state.logs.glob("*.log")}


def new_log_text(stack, sizes: dict[str, int]) -> dict[str, str]:
    out = {}
    for path in stack.state.logs.glob("*.log"):
        with open(path, "rb") as log:
            log.seek(sizes.get(path.name, 0))
            out[path.name] = log.read().decode(errors="replace")
    return out


def journaled_since(stack, since: float) -> list[dict]:
    lines = stack.state.journal_file.read_text().splitlines()
    return [e for e in map(json.loads, lines) if e["event"] == "apply" and e["ts"] >= since]


def prometheus_fault_series(stack) -> list[dict]:
    return stack.prom_query('{__name__=~"web_app_faults.*|chaos_.*"}')


def assert_traces_and_exemplars_hide(stack, since: float, secret: set[str]) -> None:
    """Every span stored since the drill started, and every exemplar Prometheus keeps of web's
    latency, names nothing of the fault; the controller's calls (web /admin, the fault proxy)
    are no spans at all. A few requests of a user's make sure there are traces to read."""
    with httpx.Client(timeout=5) as http:
        mine = {http.get(f"{stack.url('api')}/kv/drill-hiding").headers["x-trace-id"]
                for _ in range(3)}
    window = f"{int(time.time() - since) + 5}s"

    def stored() -> list[dict] | None:
        listed = stack.controller.get("/api/traces", params={"since": window, "limit": "100"})
        return listed if mine <= {t["trace_id"] for t in listed} else None

    listed = stack.wait_for(stored, timeout=30, interval=1.0, what="the user's traces stored")
    for entry in listed:
        spans = stack.controller.get(f"/api/traces/{entry['trace_id']}")["spans"]
        assert leaks(json.dumps(spans), secret) == [], spans
        assert not [s for s in spans if s["service"] in ("controller", "proxy")
                    or str(s["attributes"].get("url.path", "")).startswith("/admin")], spans
    # The load balancer's hop (derived from HAProxy's access line, once the controller has
    # read it) carries HAProxy's own fields only.
    def lb_hops() -> list[dict] | None:
        return [s for tid in mine for s in stack.controller.get(f"/api/traces/{tid}")["spans"]
                if s["service"] == "lb"] or None

    hops = stack.wait_for(lb_hops, timeout=15, interval=0.5, what="a user's trace's lb span")
    assert leaks(json.dumps(hops), secret) == [], hops
    exemplars = stack.controller.get("/api/prom/query_exemplars", params={
        "query": "http_request_duration_seconds_bucket", "start": str(since),
        "end": str(time.time() + 1)})["data"]
    assert exemplars, "no exemplar on web's latency histogram"
    assert leaks(json.dumps(exemplars), secret) == [], exemplars
    assert all(e["labels"].keys() == {"trace_id"} for series in exemplars
               for e in series["exemplars"])


@pytest.mark.parametrize(("difficulty", "incident", "fault_type", "symptom"), [
    ("easy", "crashed-web", "kill", "stopped"),
    # A second drill (and its reveal's debrief) costs a minute more: the slow run has it.
    pytest.param("easy", "noisy-neighbour", "cpu-burn", "running", marks=pytest.mark.slow),
])
def test_a_running_drill_names_its_fault_nowhere_until_the_reveal(
        stack, difficulty, incident, fault_type, symptom):
    stack.wait_healthy()
    client = stack.controller
    seed, picked = pick(stack, difficulty, incident)
    [target] = picked.components
    before_series = {json.dumps(s["metric"], sort_keys=True): s["value"][1]
                     for s in prometheus_fault_series(stack)}
    sizes = log_sizes(stack)
    # Exits from before the drill (an earlier test's kill, revealed long ago) are history the
    # learner may read; only what this drill does must not name its fault.
    old_exits = {c["name"]: c["last_exit"] for c in status(stack)["components"]}
    since = time.time()

    started = stack.wait_for(
        lambda: json.loads(stack.cli("drill", "start", "--difficulty", difficulty, "--seed",
                                     str(seed), "--json").stdout),
        timeout=150, interval=3, what="the drill to start from a steady state")
    assert started["state"] == "running"
    try:
        applied = journaled_since(stack, since)
        assert [(e["type"], e["targets"]) for e in applied] == [(fault_type, [target])], applied
        fault_id = applied[0]["id"]
        secret = {fault_id, fault_type, *MECHANISMS}
        # The symptom shows; give Prometheus (1 s scrapes) and the supervisor a few rounds.
        stack.wait_for(lambda: component(stack, target)["state"] == symptom, timeout=15,
                       what=f"{target} {symptom}")
        time.sleep(3)

        def without_old_exits(text: str) -> str:
            for name, exit_text in old_exits.items():
                if name != target and exit_text:
                    text = text.replace(exit_text, "")
            return text

        def drop_old_exits(components: list[dict]) -> list[dict]:
            for entry in components:
                if entry["name"] != target and entry["last_exit"] == old_exits.get(entry["name"]):
                    entry.pop("exit", None)
                    entry.pop("last_exit", None)
            return components

        listed = json.loads(stack.cli("status", "--json").stdout)
        drop_old_exits(listed["components"])
        read = {
            "gameday status --json": json.dumps(listed),
            "gameday status": without_old_exits(stack.cli("status").stdout),
            # Faults of earlier, revealed drills and tests are fair to list; this one is not.
            "GET /api/faults": json.dumps([f for f in client.get("/api/faults")
                                           if f["created_at"] >= since]),
            "GET /api/components": json.dumps(drop_old_exits(client.get("/api/components"))),
            "GET /api/drills/current": json.dumps(client.get("/api/drills/current")),
            # The timeline shows the symptom (an exit, as observed), never the fault.
            "gameday events --json": json.dumps(
                [e for e in json.loads(stack.cli("events", "--since", "10m", "--json").stdout)
                 if e["ts"] >= since]),
            # Central logs: every component's lines since the drill began (the controller
            # and the proxy are withheld; the symptoms stay). Earlier lines are history.
            "GET /api/logs": json.dumps([e for e in client.get("/api/logs", params={
                "since": "10m", "limit": "5000"}) if e["time"] >= since]),
            "gameday logs --json": json.dumps([e for e in json.loads(stack.cli(
                "logs", "--since", "10m", "-n", "5000", "--json").stdout)
                if e["time"] >= since]),
        }
        for surface, text in read.items():
            assert leaks(text, secret) == [], (surface, text)
        target_status = component(stack, target)
        assert target_status["state"] == symptom and not target_status["held_down"]

        controller_metrics = httpx.get(f"{stack.url('controller')}/metrics", timeout=5).text
        series = [line for line in controller_metrics.splitlines()
                  if line.startswith("chaos_") and not line.startswith("#")]
        assert not [s for s in series if fault_id in s or f'"{fault_type}"' in s
                    and s.startswith("chaos_faults_active")], series
        for web in (c for c in status(stack)["components"] if c["role"] == "web"):
            if web["state"] != "running":
                continue
            text = httpx.get(f"{web['url']}/metrics", timeout=5).text
            # Quiet instances export no such series; one that restarted exports zeros.
            assert not [line for line in text.splitlines()
                        if line.startswith("web_app_faults_active{")
                        and (web["name"] == target or not line.endswith(" 0.0"))], web["name"]
        for sample in prometheus_fault_series(stack):
            key = json.dumps(sample["metric"], sort_keys=True)
            name = sample["metric"]["__name__"]
            assert not name.startswith("web_app_faults"), sample
            if fault_type in sample["metric"].values():
                # An earlier test's series may name the type; the drill adds to none of them.
                assert before_series.get(key) == sample["value"][1], sample
        for log_name, text in new_log_text(stack, sizes).items():
            assert leaks(text, secret) == [], (log_name, text[-2000:])
        assert_traces_and_exemplars_hide(stack, since, secret)
    finally:
        # The reveal reverts, then writes the debrief (Prometheus queries, charts): slow on a
        # busy machine, so with a longer timeout than the CLI's.
        revealed = ControllerClient(stack.state, timeout=240).post(
            "/api/drills/current/reveal")

    assert [(f["type"], f["targets"]) for f in revealed["faults"]] == [(fault_type, [target])]
    # After the reveal the controller's lines of the drill are readable again.
    assert client.get("/api/logs", params={"component": "controller", "since": "10m"})
    listed = {f["id"]: f for f in client.get("/api/faults")}
    assert listed[fault_id]["type"] == fault_type
    # After the reveal the timeline has the fault too.
    assert fault_id in {e["ref"] for e in client.get("/api/events", params={"since": "10m"})
                        if e["kind"] == "fault.injected"}
    if fault_type == "kill":
        assert component(stack, target)["last_exit"] == "killed by SIGKILL (fault)"
    else:
        web_url = component(stack, target)["url"]
        assert f'web_app_faults_active{{type="{fault_type}"}}' in httpx.get(
            f"{web_url}/metrics", timeout=5).text
