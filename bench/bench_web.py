"""Benchmark the web service (reports numbers; not a test).

(a) ``--url URL``: throughput and p50/p99 latency of ``GET /kv/{key}`` against a running
    service, e.g. the HAProxy front of a stack (``--url http://127.0.0.1:8080``).
(b) ``--overhead``: starts a throwaway etcd and the app twice, with and without the metrics
    middleware, and measures both side by side (on ``GET /kv/{key}`` and ``GET /healthz``).

Load comes from ``wrk`` when installed (``apt-get install -y wrk``), else from an httpx
async loop (which is much slower than the server and so measures less precisely).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from services.web.local_etcd import LocalEtcd, free_port  # noqa: E402

BENCH_KEY = "bench/key"


@dataclass
class Result:
    label: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    tool: str

    def line(self) -> str:
        return (
            f"{self.label:<34} {self.requests_per_second:>9.0f} req/s"
            f"   p50 {self.p50_ms:>7.2f} ms   p99 {self.p99_ms:>7.2f} ms"
            f"   errors {self.errors}   ({self.tool})"
        )


# -- load generators -------------------------------------------------------------------


def run_load(url: str, label: str, duration: float, connections: int) -> Result:
    if shutil.which("wrk"):
        return _wrk(url, label, duration, connections)
    return asyncio.run(_httpx_loop(url, label, duration, connections))


def _wrk(url: str, label: str, duration: float, connections: int) -> Result:
    # One wrk thread: on a 2-core machine more threads only steal CPU from the server.
    output = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(duration))}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    if socket_errors:
        errors += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(1)))
    return Result(
        label, rps, _wrk_percentile(output, "50"), _wrk_percentile(output, "99"), errors, "wrk"
    )


def _wrk_percentile(output: str, percent: str) -> float:
    match = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
    if not match:
        return float("nan")
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)]
    return float(match.group(1)) * scale


async def _httpx_loop(url: str, label: str, duration: float, connections: int) -> Result:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + duration
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                response = await client.get(url)
                if response.status_code >= 300:
                    errors += 1
            except httpx.HTTPError:
                errors += 1
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    async with httpx.AsyncClient(limits=limits, trust_env=False) as client:
        await asyncio.gather(*(worker(client) for _ in range(connections)))
    elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100)
    return Result(
        label, len(latencies) / elapsed, cuts[49] * 1000, cuts[98] * 1000, errors, "httpx loop"
    )


# -- (a) a running service -------------------------------------------------------------


def bench_url(base_url: str, duration: float, connections: int) -> None:
    base_url = base_url.rstrip("/")
    seeded = httpx.put(f"{base_url}/kv/{BENCH_KEY}", json={"value": "x" * 100}, timeout=5)
    seeded.raise_for_status()
    print(f"GET /kv/{{key}} against {base_url} for {duration:.0f}s, {connections} connections")
    print(run_load(f"{base_url}/kv/{BENCH_KEY}", "GET /kv/{key}", duration, connections).line())


# -- (b) metrics middleware overhead ---------------------------------------------------


class WebProcess:
    def __init__(self, store_endpoint: str, metrics_middleware: bool, log_dir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "GAMEDAY_WEB_NAME": "web-bench",
            "GAMEDAY_WEB_PORT": str(self.port),
            "GAMEDAY_WEB_STORE_ENDPOINTS": store_endpoint,
            "GAMEDAY_WEB_METRICS_MIDDLEWARE": "true" if metrics_middleware else "false",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        }
        log = (log_dir / f"web-{self.port}.log").open("wb")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "services.web"], env=env, stdout=log, stderr=log, cwd=REPO
        )
        log.close()

    def wait_ready(self, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"web on {self.url} did not become ready")

    def stop(self) -> None:
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


def average(results: list[Result], label: str) -> Result:
    return Result(
        label,
        statistics.mean(r.requests_per_second for r in results),
        statistics.median(r.p50_ms for r in results),
        statistics.median(r.p99_ms for r in results),
        sum(r.errors for r in results),
        results[0].tool,
    )


def bench_overhead(duration: float, connections: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        tmp_dir = Path(tmp)
        with LocalEtcd(tmp_dir / "etcd") as etcd:
            instrumented = WebProcess(etcd.endpoint, True, tmp_dir)
            bare = WebProcess(etcd.endpoint, False, tmp_dir)
            try:
                instrumented.wait_ready()
                bare.wait_ready()
                seed = httpx.put(f"{bare.url}/kv/{BENCH_KEY}", json={"value": "x" * 100})
                seed.raise_for_status()
                print(
                    f"metrics middleware overhead: {rounds} alternating rounds of {duration:.0f}s"
                    f" per variant, {connections} connections, one process under load at a time"
                )
                paths = ((f"/kv/{BENCH_KEY}", "GET /kv/{key}"), ("/healthz", "GET /healthz"))
                for path, label in paths:
                    run_load(f"{bare.url}{path}", "warm-up", 1, connections)
                    run_load(f"{instrumented.url}{path}", "warm-up", 1, connections)
                    without_runs, with_runs = [], []
                    # Alternate so drift on a shared machine hits both variants alike.
                    for _ in range(rounds):
                        without_runs.append(
                            run_load(f"{bare.url}{path}", label, duration, connections)
                        )
                        with_runs.append(
                            run_load(f"{instrumented.url}{path}", label, duration, connections)
                        )
                    without = average(without_runs, f"{label} without metrics")
                    with_metrics = average(with_runs, f"{label} with metrics")
                    print(without.line())
                    print(with_metrics.line())
                    overhead = 1 - with_metrics.requests_per_second / without.requests_per_second
                    print(
                        f"{'':<34} throughput overhead {overhead * 100:+.1f}%"
                        f"   p50 {with_metrics.p50_ms - without.p50_ms:+.2f} ms"
                    )
            finally:
                instrumented.stop()
                bare.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument("--url", help="base URL of a running service, e.g. http://127.0.0.1:8080")
    parser.add_argument(
        "--overhead",
        action="store_true",
        help="measure the metrics middleware overhead on a throwaway etcd",
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per run (10)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds (2)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections (32)")
    args = parser.parse_args()
    if not args.url and not args.overhead:
        parser.error("give --url URL and/or --overhead")
    if args.url:
        bench_url(args.url, args.duration, args.connections)
    if args.overhead:
        bench_overhead(args.duration, args.connections, args.rounds)


if __name__ == "__main__":
    main()
