"""`make bench`: every figure of docs/benchmarks.md in one run, each with its baseline.

    .venv/bin/python -m bench.run [--quick] [--out bench/results/<date>.json]

Starts its own stack (`gameday up --runtime local` on free ports in a temp state dir) and
always tears it down, even when a measurement fails or the run is interrupted. Prints one
table and writes the results JSON that bench/render_docs.py turns into docs/benchmarks.md.
A group that fails is recorded as failed and the run goes on with the next one.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

from bench import (
    bench_store_client,
    gc_freeze,
    profile_path,
    recovery,
    resources,
    throughput,
    tracing_cost,
)
from bench.common import Figure, load_average
from bench.stack import BenchStack
from bench.table import render_text

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_RATE = 20.0


def _version(argv: list[str]) -> str:
    if shutil.which(argv[0]) is None:
        return "missing"
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return ((out.stdout or out.stderr).strip().splitlines() or ["unknown"])[0][:80]


def machine() -> dict[str, object]:
    return {
        "cpus": os.cpu_count(),
        "cpu": _cpu_model(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "etcd": _version(["etcd", "--version"]),
        "haproxy": _version(["haproxy", "-v"]),
        "wrk": _version(["wrk", "-v"]),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


class Run:
    def __init__(self) -> None:
        self.figures: list[Figure] = []

    def group(self, name: str, measure: Callable[[], Iterable[Figure]]) -> None:
        load = load_average()
        started = time.monotonic()
        print(f"-- {name} (load average {load})", flush=True)
        figures: list[Figure] = []
        try:
            for figure in measure():  # figures measured before a failure are kept
                figures.append(figure)
        except Exception as exc:  # noqa: BLE001 - record it, keep measuring the rest
            traceback.print_exc()
            figures.append(Figure(name, f"{name}: group failed", float("nan"), "",
                                  {"error": f"{type(exc).__name__}: {exc}"[:300]}))
        for figure in figures:
            figure.detail.setdefault("load_average", load)
        self.figures.extend(figures)
        print(f"   {len(figures)} figures in {time.monotonic() - started:.0f}s", flush=True)


def _terminate(signum, frame) -> None:
    raise SystemExit(128 + signum)  # runs the finally blocks: the stack comes down


def main() -> int:
    parser = argparse.ArgumentParser(description="gameday benchmarks: one run, every figure")
    parser.add_argument("--quick", action="store_true",
                        help="short runs and 3 repetitions (smoke test, figures not for docs)")
    parser.add_argument("--out", type=Path, help="results file (default bench/results/<date>.json)")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _terminate)
    seconds, repeats, window = (2.0, 3, 8.0) if args.quick else (5.0, 10, 20.0)
    started_at = datetime.now(UTC)
    run = Run()
    run.group("store client", lambda: bench_store_client.measure(seconds=min(seconds, 4.0)))
    with BenchStack(rate=DEFAULT_RATE) as stack:
        run.group("startup", lambda: [Figure("startup", "gameday up to healthy, cold "
                                             "(fresh state dir)", round(stack.up(), 1), "s")])
        if "error" not in run.figures[-1].detail:
            stack.set_load(0)  # the throughput figures alone on the machine
            run.group("throughput", lambda: throughput.measure(stack, seconds))
            run.group("tracing cost", lambda: tracing_cost.measure(
                stack, seconds, rounds=3 if args.quick else 8))
            run.group("start-up heap", lambda: gc_freeze.measure(
                stack, seconds, rounds=3 if args.quick else 5))
            profile_out = None if not args.quick else Path(tempfile.gettempdir()) / (
                "gameday-bench-profile-quick.json")
            run.group("profile", lambda: profile_path.in_run(stack, seconds * 2, profile_out))
            stack.set_load(DEFAULT_RATE)
            run.group("resources", lambda: resources.measure(stack, window, DEFAULT_RATE))
            run.group("detection and recovery", lambda: recovery.measure(stack, repeats))

            def warm() -> list[Figure]:
                stack.down()
                return [Figure("startup", "gameday up to healthy, warm (same state dir)",
                               round(stack.up(), 1), "s")]

            run.group("startup", warm)
    finished_at = datetime.now(UTC)
    result = {
        "date": started_at.strftime("%Y-%m-%d"),
        "started_at": started_at.isoformat(timespec="seconds"),
        "finished_at": finished_at.isoformat(timespec="seconds"),
        "quick": args.quick,
        "machine": machine(),
        "command": "make bench" + (" (--quick)" if args.quick else ""),
        "figures": [figure.as_dict() for figure in run.figures],
    }
    suffix = "-quick" if args.quick else ""
    out = args.out or RESULTS / f"{started_at.strftime('%Y-%m-%d')}{suffix}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, default=_json_default) + "\n")
    print()
    print(render_text(result["figures"]))
    print(f"\nwritten: {out}  ({(finished_at - started_at).total_seconds():.0f}s)")
    if not args.quick:
        from bench import render_docs

        render_docs.main([str(out)])
    failed = [f for f in run.figures if "error" in f.detail]
    return 1 if failed else 0


def _json_default(value: object) -> object:
    return str(value)


if __name__ == "__main__":
    sys.exit(main())
