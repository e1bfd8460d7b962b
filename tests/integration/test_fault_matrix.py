"""The fault matrix on the real local stack: every fault type in the catalog, on the selectors
`store:leader` and `web:all` where its roles allow.

For each: apply -> the effect the fault exists for is observable on the real component;
revert -> baseline; abort while the apply is in flight -> baseline; controller SIGKILL while
active -> the next controller (`gameday up`) restores baseline. Baseline is read from the
components themselves (tests/integration/baseline.py), never from the controller's records.

The list of types comes from chaos.faults.FAULTS, so a new fault type is in the matrix the day
it is registered: without an effect check below, its case fails, it is not skipped. The only
skips are the types the catalog of the running stack says this runtime refuses, with its reason.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import psutil
import pytest

from chaos.cli.client import controller_pid
from chaos.faults import FAULTS
from tests.integration.baseline import Baseline
from tests.integration.stackctl import FaultDriver, metric_value

pytestmark = [pytest.mark.stack, pytest.mark.slow, pytest.mark.matrix]

SELECTORS = {"store:leader": "store", "web:all": "web"}
# At most: a restarted etcd member rejoins, 3 redeployed web instances pass HAProxy's checks.
BASELINE_TIMEOUT = 90.0


@dataclass
class Applied:
    """What an effect check gets: the fault as the API returned it, and the pids before."""

    stack: object
    fault: dict
    pids: dict[str, int]
    rss: dict[str, int]

    @property
    def targets(self) -> list[str]:
        return self.fault["targets"]

    def url(self, name: str) -> str:
        return self.stack.controller.plan.component(name).url


# -- effect checks: each returns None once the effect is seen, else what it saw instead ------


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def killed(a: Applied) -> str | None:
    left = [t for t in a.targets if not gone(a.pids[t])]
    return f"still running with the same pid: {left}" if left else None


def stopped(a: Applied) -> str | None:
    shown = {c["name"]: c["state"] for c in a.stack.controller.get("/api/status")["components"]}
    left = [t for t in a.targets if not gone(a.pids[t]) or shown.get(t) != "stopped"]
    return f"not stopped: {[(t, shown.get(t)) for t in left]}" if left else None


def restarted(a: Applied) -> str | None:
    records = a.stack.state.read_json(a.stack.state.processes_file) or {}
    now = {t: int(records.get(t, {}).get("pid", 0)) for t in a.targets}
    left = [t for t in a.targets
            if not gone(a.pids[t]) or now[t] in (0, a.pids[t]) or gone(now[t])]
    return f"no new running process for {left}: {now}" if left else None


def paused(a: Applied) -> str | None:
    states = {t: psutil.Process(a.pids[t]).status() for t in a.targets}
    left = {t: s for t, s in states.items() if s != psutil.STATUS_STOPPED}
    return f"not in state T: {left}" if left else None


def link_probe(a: Applied, target: str) -> tuple[str, str]:
    """(address on the fault proxy, path) of one link the fault hits, to measure through."""
    plan = a.stack.controller.plan
    role = plan.component(target).role
    name = f"lb->{target}" if role == "web" else f"web-1->{target}"
    link = next(lk for lk in plan.proxy_links if lk.name == name)
    return f"http://{link.listen}", "/healthz" if role == "web" else "/health"


def delayed(ms: float) -> Callable[[Applied], str | None]:
    def check(a: Applied) -> str | None:
        for target in a.targets:
            base, path = link_probe(a, target)
            t0 = time.monotonic()
            httpx.get(base + path, timeout=5)
            took = time.monotonic() - t0
            if took < ms / 1000:
                return f"{target}: a request through its link took {took * 1000:.0f} ms"
        return None

    return check


def cut(a: Applied) -> str | None:
    for target in a.targets:
        base, path = link_probe(a, target)
        try:
            response = httpx.get(base + path, timeout=1.5)
        except httpx.HTTPError:
            continue  # refused, reset or timed out: the link is cut
        if response.status_code < 500:
            return f"{target}: a request through its link answered {response.status_code}"
    return None


def throttled(bytes_per_s: int) -> Callable[[Applied], str | None]:
    def check(a: Applied) -> str | None:
        for target in a.targets:
            base, _ = link_probe(a, target)
            received, t0 = 0, time.monotonic()
            with httpx.stream("GET", f"{base}/metrics", timeout=5) as response:
                for chunk in response.iter_raw():
                    received += len(chunk)
                    if time.monotonic() - t0 > 1.5:
                        break
            rate = received / (time.monotonic() - t0)
            if not 0 < rate < 3 * bytes_per_s:
                return f"{target}: {received} B at {rate:.0f} B/s through its link"
        return None

    return check


def answers(status: int) -> Callable[[Applied], str | None]:
    def check(a: Applied) -> str | None:
        for target in a.targets:
            got = httpx.get(f"{a.url(target)}/kv/gameday-matrix", timeout=5).status_code
            if got != status:
                return f"{target} answered {got}, not {status}"
        return None

    return check


def slow_responses(ms: float) -> Callable[[Applied], str | None]:
    def check(a: Applied) -> str | None:
        for target in a.targets:
            t0 = time.monotonic()
            httpx.get(f"{a.url(target)}/kv/gameday-matrix", timeout=5)
            if (took := time.monotonic() - t0) < ms / 1000:
                return f"{target} answered in {took * 1000:.0f} ms"
        return None

    return check


def busy(a: Applied) -> str | None:
    procs = [psutil.Process(a.pids[t]) for t in a.targets]
    start, t0 = [sum(p.cpu_times()[:2]) for p in procs], time.monotonic()
    time.sleep(1.0)
    took = time.monotonic() - t0
    rates = [(sum(p.cpu_times()[:2]) - s) / took for p, s in zip(procs, start, strict=True)]
    # A web instance at 20 req/s uses a few % of a core; a burning one as much as it gets.
    return None if sum(rates) > 0.4 else f"CPU of {a.targets}: {[f'{r:.2f}' for r in rates]}"


def leaking(a: Applied) -> str | None:
    for target in a.targets:
        rss = psutil.Process(a.pids[target]).memory_info().rss
        if rss < a.rss[target] + 40 * 2**20:
            return f"{target} RSS {rss / 2**20:.0f} MiB (was {a.rss[target] / 2**20:.0f})"
    return None


def new_release(a: Applied) -> str | None:
    for target in a.targets:
        text = httpx.get(f"{a.url(target)}/metrics", timeout=5).text
        if metric_value(text, "web_build_info", release=a.fault["params"]["release"]) != 1:
            return f"{target} does not run release {a.fault['params']['release']}"
    return None


def nospace(a: Applied) -> str | None:
    url = a.url(a.targets[0])
    alarms = httpx.post(f"{url}/v3/maintenance/alarm", json={"action": "GET"}, timeout=5).json()
    if not any(x.get("alarm") == "NOSPACE" for x in alarms.get("alarms", [])):
        return f"no NOSPACE alarm: {alarms}"
    return None


FSYNC = "etcd_disk_wal_fsync_duration_seconds_bucket"


def slow_fsyncs(a: Applied) -> str | None:
    member = a.targets[0]

    def buckets() -> dict[str, float]:
        text = httpx.get(f"{a.url(member)}/metrics", timeout=5).text
        return {line.split('le="')[1].split('"')[0]: float(line.rsplit(" ", 1)[1])
                for line in text.splitlines() if line.startswith(FSYNC + "{")}

    before = buckets()
    with httpx.Client(timeout=10) as client:
        for i in range(8):
            client.put(f"{a.stack.url('api')}/kv/gameday-matrix-fsync", json={"value": str(i)})
    after = buckets()
    total = after["+Inf"] - before.get("+Inf", 0)
    # Throttled to 20 IOPS an fsync takes ~200 ms; unthrottled, p99 stays far below 128 ms.
    fast = after["0.128"] - before.get("0.128", 0)
    return None if total and fast < 0.99 * total else f"{fast}/{total} fsyncs under 128 ms"


# type -> (params for a short run, effect check, seconds to wait for the effect)
EFFECTS: dict[str, tuple[dict, Callable[[Applied], str | None], float]] = {
    "kill": ({}, killed, 10),
    "stop": ({}, stopped, 10),
    "restart": ({}, restarted, 20),
    "pause": ({}, paused, 5),
    "latency": ({"ms": 400}, delayed(400), 5),
    "loss": ({"probability": 1.0}, cut, 5),
    "blackhole": ({}, cut, 5),
    "partition": ({}, cut, 5),
    "bandwidth": ({"bytes_per_s": 4000}, throttled(4000), 5),
    "http-errors": ({"status": 500}, answers(500), 5),
    "http-latency": ({"ms": 400}, slow_responses(400), 5),
    "cpu-burn": ({"cores": 1, "share": 1.0}, busy, 10),
    "memory-leak": ({"mb_per_s": 50, "cap_mb": 100}, leaking, 10),
    "bad-deploy": ({}, new_release, 40),
    "disk-fill": ({}, nospace, 10),
    "slow-disk": ({"write_iops": 20}, slow_fsyncs, 30),
}

CASES = [
    pytest.param(name, selector, id=f"{name}-{selector}")
    for name, cls in sorted(FAULTS.items())
    for selector, role in SELECTORS.items()
    if role in cls.roles
]


@pytest.fixture(scope="module")
def catalog(stack) -> dict[str, dict]:
    stack.wait_healthy(timeout=60)
    return {entry["type"]: entry for entry in stack.controller.get("/api/catalog")}


@pytest.fixture
def matrix(stack, catalog):
    baseline = Baseline.of(stack)
    assert baseline.wait(BASELINE_TIMEOUT) == [], "the stack was not at baseline to start with"
    yield FaultDriver(stack), baseline
    try:
        stack.controller.post("/api/abort")
    finally:
        # Whatever the test found, the next one starts from baseline (or says why it cannot).
        assert baseline.wait(BASELINE_TIMEOUT) == []


def supported(catalog: dict, name: str) -> tuple[dict, Callable, float]:
    entry = catalog.get(name)
    assert entry is not None, f"{name} is registered but not in the running stack's catalog"
    if not entry["supported_here"]:
        pytest.skip(f"{name}: the {entry.get('runtime', 'local')} runtime refuses it: "
                    f"{entry['reason']}")
    if name not in EFFECTS:
        pytest.fail(f"{name} has no effect check in the fault matrix: add one to EFFECTS")
    return EFFECTS[name]


def snapshot(stack) -> dict[str, int]:
    records = stack.state.read_json(stack.state.processes_file) or {}
    return {name: int(rec["pid"]) for name, rec in records.items()}


def apply(stack, driver, name: str, selector: str, params: dict, duration: str = "5m"):
    pids = snapshot(stack)
    rss = {}
    for n, p in pids.items():
        with contextlib.suppress(psutil.Error):
            rss[n] = psutil.Process(p).memory_info().rss
    fault = driver.inject(name, selector, duration=duration, **params)
    return Applied(stack, fault, pids, rss)


def see(stack, applied: Applied, check: Callable, seconds: float) -> None:
    stack.wait_for(lambda: check(applied) is None, timeout=seconds, interval=0.2,
                   what=f"the effect of {applied.fault['type']} on {applied.targets}: "
                        f"{_last(check, applied)}")


def _last(check, applied) -> str:
    try:
        return str(check(applied))
    except Exception as exc:  # noqa: BLE001 - say what the probe ran into
        return f"{type(exc).__name__}: {exc}"


@pytest.mark.parametrize(("name", "selector"), CASES)
def test_apply_shows_its_effect_and_revert_restores_baseline(stack, catalog, matrix, name,
                                                             selector):
    driver, baseline = matrix
    params, check, seconds = supported(catalog, name)
    applied = apply(stack, driver, name, selector, params)
    see(stack, applied, check, seconds)
    driver.revert(applied.fault["id"])
    assert baseline.wait(BASELINE_TIMEOUT) == []


@pytest.mark.parametrize(("name", "selector"), CASES)
def test_abort_while_the_apply_is_in_flight_restores_baseline(stack, catalog, matrix, name,
                                                              selector):
    driver, baseline = matrix
    params, _check, _seconds = supported(catalog, name)
    known = {f["id"] for f in stack.controller.get("/api/faults")}
    outcome: list = []

    def inject() -> None:
        try:
            outcome.append(driver.inject(name, selector, duration="5m", **params))
        except Exception as exc:  # noqa: BLE001 - an abort may fail the apply: that is allowed
            outcome.append(exc)

    injecting = threading.Thread(target=inject, name=f"inject-{name}")
    injecting.start()
    # Abort as soon as the controller has the fault (applying, or already active if fast).
    stack.wait_for(
        lambda: any(f["id"] not in known for f in stack.controller.get("/api/faults")),
        timeout=30, interval=0.02, what=f"the controller to start applying {name}",
    )
    stack.controller.post("/api/abort")
    injecting.join(120)
    assert not injecting.is_alive(), "the inject call never returned"
    assert baseline.wait(BASELINE_TIMEOUT) == [], f"{name} left behind after abort: {outcome}"
    assert driver.active() == []


@pytest.mark.parametrize(("name", "selector"), CASES)
def test_a_sigkilled_controller_is_followed_by_one_that_restores_baseline(stack, catalog, matrix,
                                                                         name, selector):
    driver, baseline = matrix
    params, check, seconds = supported(catalog, name)
    applied = apply(stack, driver, name, selector, params, duration="10m")
    see(stack, applied, check, seconds)
    os.kill(controller_pid(stack.state), signal.SIGKILL)
    stack.wait_for(lambda: stack.status()["phase"] == "controller-down", timeout=10)
    stack.up("--rate", "20")
    assert baseline.wait(BASELINE_TIMEOUT) == []
