"""What every figure module shares: the Figure record, wrk, percentiles, the clock."""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil

from services.loadgen.tracecontext import DEFAULT_RATIO as LOADGEN_RATIO

LUA = Path(__file__).resolve().parent / "lua"


@dataclass
class Figure:
    """One measured figure. ``baseline`` names the figure it is compared with, if any."""

    group: str
    name: str
    value: float
    unit: str
    detail: dict[str, Any] = field(default_factory=dict)
    baseline: str | None = None
    goal: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class WrkMissing(RuntimeError):
    pass


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100), by linear interpolation; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def p50_p95(samples: list[float]) -> dict[str, float]:
    return {
        "p50": percentile(samples, 50),
        "p95": percentile(samples, 95),
        "max": max(samples) if samples else float("nan"),
        "n": len(samples),
    }


def wrk(
    url: str,
    seconds: float,
    connections: int = 32,
    script: str | None = None,
    env: dict[str, str] | None = None,
) -> dict[str, float]:
    """One wrk run (one thread: on two cores more threads only steal CPU from the servers)."""
    binary = shutil.which("wrk")
    if binary is None:
        raise WrkMissing("wrk is not installed (apt-get install wrk)")
    argv = [binary, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
    if script:
        argv += ["-s", str(LUA / script)]
    output = subprocess.run(
        [*argv, url],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 30,
        env={**os.environ, **(env or {})},
    ).stdout
    return parse_wrk(output)


def parse_wrk(output: str) -> dict[str, float]:
    """Requests/s, p50/p99 in ms and errors (non-2xx/3xx plus socket errors) from wrk's text."""
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if rate is None:
        raise ValueError(f"not wrk output: {output[:200]!r}")
    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if non_2xx:
        errors += int(non_2xx.group(1))
    socket_errors = re.search(r"Socket errors: (.*)", output)
    if socket_errors:
        errors += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(1)))
    total = re.search(r"(\d+) requests in", output)
    return {
        "rps": float(rate.group(1)),
        "p50_ms": _wrk_percentile(output, "50"),
        "p99_ms": _wrk_percentile(output, "99"),
        "errors": errors,
        "requests": int(total.group(1)) if total else 0,
    }


def _wrk_percentile(output: str, percent: str) -> float:
    match = re.search(rf"^\s+{percent}(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
    if not match:
        return float("nan")
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)]
    return float(match.group(1)) * scale


# Requests as the load generator sends them: each starts a new trace, recorded at its default
# sampling (lua/traceparent.lua). Web always records a request that comes without a
# `traceparent` (a user's curl), so bare wrk requests through the stack would measure
# tracing every request: 70-80% more web CPU a request (the "tracing cost" figures).
LOADGEN_SCRIPT = "traceparent.lua"


def loadgen_env(method: str = "GET", body: str = "") -> dict[str, str]:
    """wrk's environment for ``LOADGEN_SCRIPT``: the sampling ratio, and a write's method and
    body."""
    env = {"TRACE_SAMPLE_RATIO": str(LOADGEN_RATIO)}
    if method != "GET":
        env.update(WRK_METHOD=method, WRK_BODY=body)
    return env


def paced_wrk(url: str, rate: float, seconds: float, script: str = "paced.lua",
              **extra_env: str) -> dict[str, float]:
    """wrk held near ``rate`` req/s: 16 connections, each pausing between its requests
    (``script`` reads PACE_DELAY_MS: lua/paced.lua, lua/traceparent.lua)."""
    connections = 16
    delay_ms = max(1, round(connections * 1000 / max(rate, 1)))
    env = {"PACE_DELAY_MS": str(delay_ms), **extra_env}
    result = wrk(url, seconds, connections=connections, script=script, env=env)
    result["offered_rps"] = connections * 1000 / delay_ms
    return result


def wait_until(predicate, timeout: float, interval: float = 0.02) -> float | None:
    """Seconds until predicate() was true (polling), or None on timeout."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            if predicate():
                return time.monotonic() - started
        except Exception:  # noqa: BLE001 - a component down mid-measurement: keep polling
            pass
        time.sleep(interval)
    return None


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else float("nan")


def wrk_with_cpu(url: str, pid: int, seconds: float, script: str | None = None,
                 env: dict[str, str] | None = None) -> dict[str, float]:
    """One wrk run, plus ``cpu_us_per_call``: process ``pid``'s CPU per request answered,
    steadier than throughput on a shared machine, where another tenant's burst moves req/s
    by +-20%."""
    process = psutil.Process(pid)
    before = sum(process.cpu_times()[:2])
    result = wrk(url, seconds, script=script, env=env)
    used = sum(process.cpu_times()[:2]) - before
    result["cpu_us_per_call"] = used / max(result["requests"], 1) * 1e6
    return result


def alternating_rounds(variants: dict[str, Callable[[float], dict]], seconds: float,
                       rounds: int) -> dict[str, list[dict]]:
    """Each variant's runs (a run is ``variant(seconds)``), after a 1 s warm-up of each:
    ``rounds`` rounds over every variant, every other round in reverse order, so drift on a
    shared machine hits them alike and none always follows the same neighbour."""
    for run in variants.values():  # warm-up: connections, lazy imports, caches
        run(1)
    runs: dict[str, list[dict]] = {name: [] for name in variants}
    for round_no in range(rounds):
        order = list(variants.items())
        for name, run in order if round_no % 2 == 0 else reversed(order):
            runs[name].append(run(seconds))
    return runs


def median_of(runs: list[dict], field: str) -> float:
    """The median of one field over a variant's runs."""
    return statistics.median(run[field] for run in runs)


def concurrent_pairs(baseline: Callable[[float], dict],
                     variants: dict[str, Callable[[float], dict]], seconds: float, rounds: int
                     ) -> dict[str, list[tuple[dict, dict]]]:
    """Each variant run at the same time as the baseline, ``rounds`` times: ``{variant:
    [(baseline run, variant run), ...]}``, after a 1 s warm-up of each.

    Two runs side by side see the same moment of a shared machine (another tenant's burst,
    the clock, the controller still ingesting the last run's spans), which two runs one after
    the other do not (bench/tracing_cost.py's twin instance shows what is left: the noise
    floor). Every other round visits the variants in reverse order and starts the variant's
    run before the baseline's, so neither is always first to connect."""
    for run in (baseline, *variants.values()):
        run(1)
    pairs: dict[str, list[tuple[dict, dict]]] = {name: [] for name in variants}
    with ThreadPoolExecutor(max_workers=2) as pool:
        for round_no in range(rounds):
            order = list(variants.items())
            forward = round_no % 2 == 0
            for name, run in order if forward else reversed(order):
                if forward:
                    base, other = pool.submit(baseline, seconds), pool.submit(run, seconds)
                else:
                    other, base = pool.submit(run, seconds), pool.submit(baseline, seconds)
                pairs[name].append((base.result(), other.result()))
    return pairs


def paired_cost_percent(pairs: list[tuple[dict, dict]], field: str, higher_is_better: bool
                        ) -> tuple[float, list[float]]:
    """The variant's cost against its baseline in each pair, in percent (positive: worse),
    and their median. For a rate (``higher_is_better``): 1 - variant/baseline; for a cost such
    as CPU a call: variant/baseline - 1."""
    costs = []
    for base, other in pairs:
        ratio = other[field] / base[field] if base[field] else float("nan")
        costs.append(round(100 * ((1 - ratio) if higher_is_better else (ratio - 1)), 1))
    return round(statistics.median(costs), 1), costs
