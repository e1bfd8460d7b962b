"""The web -> etcd client candidates, side by side against one real throwaway etcd.

    .venv/bin/python -m bench.bench_store_client [--seconds 4]

Each candidate carries ``EtcdGateway.get`` (the hot path's linearizable read, with every
rule of services/web/store_client.py in the loop) with 32 calls in flight from one process
on uvloop, like a web instance. Candidates:

* aiohttp ``ClientSession``, ``TCPConnector`` with a per-endpoint limit and keep-alive (the
  transport the web service uses);
* httpx ``AsyncClient`` tuned: HTTP/1.1, a small pool (8) for the one endpoint;
* httpx ``AsyncClient`` as the service had it before (pool 16);
* etcd's gRPC API through ``grpcio`` aio: only if grpcio is already installed (the project
  adds no dependency for a candidate); otherwise reported as not measured.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import Figure, percentile
from services.web.httpx_transport import HttpxTransport
from services.web.local_etcd import LocalEtcd
from services.web.store_client import EtcdGateway
from services.web.store_transport import AiohttpTransport, StoreTransport

GROUP = "store client"
IN_FLIGHT = 32
KEY = "bench/key"

CANDIDATES: dict[str, Callable[[], StoreTransport]] = {
    "aiohttp ClientSession (per-endpoint limit 32, keep-alive)": lambda: AiohttpTransport(32),
    "httpx AsyncClient tuned (HTTP/1.1, pool 8)": lambda: HttpxTransport(pool_size=8),
    "httpx AsyncClient as before (pool 16)": lambda: HttpxTransport(pool_size=16),
}


async def _drive(transport: StoreTransport, endpoint: str, seconds: float) -> dict[str, float]:
    gateway = EtcdGateway(transport, [endpoint], timeout=2.0, read_retries=0)
    await gateway.put(KEY, "bench-value")
    for _ in range(IN_FLIGHT):  # warm the pool
        await gateway.get(KEY)
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                await gateway.get(KEY)
            except Exception:  # noqa: BLE001 - counted, the figure shows it
                errors += 1
            latencies.append(time.perf_counter() - started)

    started, cpu_started = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    await gateway.aclose()
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "errors": errors,
        "requests": len(latencies),
        # This process's CPU per call: what the client costs, even on a busy machine where
        # the call rate mostly measures how much CPU the scheduler gave us.
        "cpu_us_per_call": cpu / max(len(latencies), 1) * 1e6,
    }


def _run(coro_factory) -> dict[str, float]:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro_factory())
    return uvloop.run(coro_factory())


def measure(seconds: float = 4.0) -> list[Figure]:
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="bench-store-client-") as tmp, LocalEtcd(
        Path(tmp) / "etcd"
    ) as etcd:
        baseline = None
        for name, make in CANDIDATES.items():
            result = _run(lambda make=make: _drive(make(), etcd.endpoint, seconds))
            figures.append(
                Figure(GROUP, name, round(result["rps"]), "req/s", result, baseline=baseline)
            )
            baseline = baseline or name
    grpc_note = (
        "grpcio is installed but no gRPC candidate is written yet"
        if importlib.util.find_spec("grpc")
        else "not measured: grpcio is not installed in .venv and the project adds no dependency"
    )
    figures.append(Figure(GROUP, "etcd gRPC API through grpcio aio", float("nan"), "req/s",
                          {"note": grpc_note}))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0)
    args = parser.parse_args()
    for figure in measure(args.seconds):
        cpu = figure.detail.get("cpu_us_per_call", float("nan"))
        print(f"{figure.name:<60} {figure.value:>8} {figure.unit}  {cpu:8.0f} us CPU/call"
              f"  {figure.detail}")


if __name__ == "__main__":
    main()
