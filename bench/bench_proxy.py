"""Benchmark one fault-proxy hop: direct vs through-proxy HTTP latency and throughput.

    /work/venv/bin/python bench/bench_proxy.py [--duration 5] [--connections 50]

Starts a tiny keep-alive HTTP responder (raw asyncio + uvloop, so the upstream is not the
bottleneck), the proxy CLI in a subprocess with one `tcp` link in front of it, and drives
load with `wrk` when installed (else a built-in asyncio client). Reports numbers; asserts
nothing. Two runs per target:

* latency: one connection, one request at a time, so p50 is the per-request round trip and
  the difference between direct and proxied is the latency one hop adds;
* throughput: many connections, to find the request rate one hop sustains.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"
REQUEST = b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n"


# -- the upstream: answers every request head with a fixed response --------------------------


class Responder(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport
        self.buffer = b""

    def data_received(self, data):
        self.buffer += data
        count = self.buffer.count(b"\r\n\r\n")  # GETs only: no bodies to skip
        if count:
            self.buffer = self.buffer[self.buffer.rfind(b"\r\n\r\n") + 4 :]
            self.transport.write(RESPONSE * count)


def serve(port: int) -> None:
    try:
        import uvloop

        factory = uvloop.new_event_loop
    except ImportError:
        factory = asyncio.new_event_loop

    async def main():
        server = await asyncio.get_running_loop().create_server(
            Responder, "127.0.0.1", port, backlog=1024
        )
        await server.serve_forever()

    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(main())


# -- load generators ---------------------------------------------------------------------------


def run_wrk(port: int, connections: int, duration: float) -> dict:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(duration))}s", "--latency",
         f"http://127.0.0.1:{port}/"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip

    def latency_ms(pct: str) -> float:
        value, unit = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return {"rps": rps, "p50_ms": latency_ms("50"), "p99_ms": latency_ms("99")}


async def _client_loop(port: int, stop_at: float, samples: list[float]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < stop_at:
            start = time.perf_counter()
            writer.write(REQUEST)
            await reader.readexactly(len(RESPONSE))
            samples.append(time.perf_counter() - start)
    finally:
        writer.close()


def run_builtin(port: int, connections: int, duration: float) -> dict:
    """Fallback when wrk is missing: slower (Python client), so absolute rates are lower."""
    samples: list[float] = []

    async def main():
        stop_at = time.perf_counter() + duration
        await asyncio.gather(*(_client_loop(port, stop_at, samples) for _ in range(connections)))

    asyncio.run(main())
    quantiles = statistics.quantiles(samples, n=100)
    return {
        "rps": len(samples) / duration,
        "p50_ms": quantiles[49] * 1000,
        "p99_ms": quantiles[98] * 1000,
    }


# -- orchestration -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listening on {port} after {timeout}s")


def start_processes(tmp: Path) -> tuple[list[subprocess.Popen], int, int]:
    upstream_port, link_port, admin_port = free_port(), free_port(), free_port()
    config = tmp / "links.json"
    config.write_text(json.dumps({"links": [{
        "name": "bench", "listen": f"127.0.0.1:{link_port}",
        "upstream": f"127.0.0.1:{upstream_port}", "kind": "tcp",
    }]}))  # fmt: skip
    procs = [
        subprocess.Popen([sys.executable, __file__, "--serve", str(upstream_port)]),
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "chaos.proxy",
                "--config",
                str(config),
                "--admin-port",
                str(admin_port),
                "--log-level",
                "warning",
            ],
        ),  # fmt: skip
    ]
    for port in (upstream_port, link_port, admin_port):
        wait_for_port(port)
    return procs, upstream_port, link_port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return

    load = run_wrk if shutil.which("wrk") else run_builtin
    print(f"load generator: {'wrk' if load is run_wrk else 'built-in asyncio client'}")
    with tempfile.TemporaryDirectory() as tmp:
        procs, upstream_port, link_port = start_processes(Path(tmp))
        try:
            results = {}
            for mode, conns in (("latency", 1), ("throughput", args.connections)):
                for target, port in (("direct", upstream_port), ("proxied", link_port)):
                    load(port, conns, 1.0)  # warm-up
                    results[mode, target] = load(port, conns, args.duration)
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait(5)

    print(f"{'run':<12}{'target':<10}{'conns':>6}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}")
    for (mode, target), r in results.items():
        conns = 1 if mode == "latency" else args.connections
        print(
            f"{mode:<12}{target:<10}{conns:>6}{r['rps']:>10.0f}"
            f"{r['p50_ms']:>9.3f}{r['p99_ms']:>9.3f}"
        )
    added = results["latency", "proxied"]["p50_ms"] - results["latency", "direct"]["p50_ms"]
    print(f"added p50 latency per hop (1 connection): {added:.3f} ms   (goal <= 0.3 ms)")
    rate = results["throughput", "proxied"]["rps"]
    print(f"throughput through one hop: {rate:.0f} req/s   (goal >= 5000 req/s)")


if __name__ == "__main__":
    main()
