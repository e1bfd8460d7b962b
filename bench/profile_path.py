"""Profile the whole request path under load: where the CPU of a store-backed GET goes.

    .venv/bin/python -m bench.profile_path [--seconds 10] [--state-dir DIR]

wrk drives ``GET /kv/{key}`` through ``api`` (HAProxy -> fault proxy -> web -> fault proxy
-> etcd, 32 connections; each request a new trace sampled as the load generator's) while
psutil measures every component's CPU and py-spy samples web-1 and the fault proxy (the
Python hops). The py-spy samples are split by the package of the innermost frame (self time)
and by a few inclusive stages of the web request.

py-spy is not a project dependency: install it into a throwaway venv
(``make bench`` does: ``/tmp/gameday-pyspy``) and point ``PY_SPY``
at it, or put it on PATH. Without it the CPU split per component is still measured.
Writes bench/results/profile-<date>.json, which bench/render_docs.py puts in the docs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from bench.common import LOADGEN_SCRIPT, Figure, load_average, loadgen_env, wrk
from bench.resources import sample
from bench.stack import BenchStack

RESULTS = Path(__file__).resolve().parent / "results"
FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^():]*)(?::\d+)?\)$")

# Inclusive stages: a sample counts for a stage if any frame of its stack matches.
STAGES = {
    "store call (EtcdGateway, whole)": "EtcdGateway.",
    "aiohttp client": "aiohttp/",
    "metrics middleware": "MetricsMiddleware.__call__",
    "fault injection middleware": "FaultInjectionMiddleware.__call__",
    "FastAPI routing and validation": "fastapi/routing.py",
    "uvicorn + httptools (HTTP server)": "httptools_impl.py",
    "prometheus_client": "prometheus_client/",
    "json": "json/",
}


def py_spy() -> str | None:
    fallback = "/tmp/gameday-pyspy/bin/py-spy"  # where `make bench` installs it
    for candidate in (os.environ.get("PY_SPY"), shutil.which("py-spy"), fallback):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def _package(file: str) -> str:
    if file.startswith("<"):
        return "python internals"
    parts = file.split("/")
    if parts[0] in {"services", "chaos"}:
        return "/".join(parts[:3]).removesuffix(".py")
    if parts[0] == "asyncio":
        return "asyncio (event loop)"
    return parts[0].removesuffix(".py")


def split(raw: str) -> dict[str, object]:
    """Self-time share per package of the innermost frame, and inclusive stage shares."""
    leaf: Counter[str] = Counter()
    stages: Counter[str] = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        total += count
        match = FRAME.match(frames[-1])
        leaf[_package(match.group("file")) if match else frames[-1]] += count
        for stage, needle in STAGES.items():
            if needle in stack:
                stages[stage] += count
    share = {k: round(v / total * 100, 1) for k, v in leaf.most_common(12)} if total else {}
    inclusive = {k: round(stages[k] / total * 100, 1) for k in STAGES} if total else {}
    return {"samples": total, "self_by_package_pct": share, "inclusive_pct": inclusive}


def _record(binary: str, pid: int, seconds: float, out: Path) -> None:
    subprocess.run([binary, "record", "--pid", str(pid), "--duration", str(int(seconds)),
                    "--rate", "100", "--format", "raw", "--nonblocking", "-o", str(out)],
                   capture_output=True, timeout=seconds + 30, check=False)


def profile(stack: BenchStack, seconds: float) -> dict[str, object]:
    key = "bench/key"
    stack.http.put(f"{stack.api}/kv/{key}", json={"value": "bench-value"}).raise_for_status()
    stack.set_load(0)
    pids = stack.pids()
    binary = py_spy()
    tmp = Path(tempfile.mkdtemp(prefix="bench-profile-"))
    targets = {"web-1": pids["web-1"], "proxy": pids["proxy"]}
    recorders = []
    if binary:
        recorders = [threading.Thread(target=_record, args=(binary, pid, seconds, tmp / name))
                     for name, pid in targets.items()]
    load: dict[str, float] = {}
    loader = threading.Thread(target=lambda: load.update(
        wrk(f"{stack.api}/kv/{key}", seconds + 2, script=LOADGEN_SCRIPT, env=loadgen_env())))
    loader.start()
    for recorder in recorders:
        recorder.start()
    cpu = sample(pids, seconds)
    for thread in (*recorders, loader):
        thread.join()
    profiles = {}
    for name in targets:
        raw = tmp / name
        if raw.exists():
            profiles[name] = split(raw.read_text())
    shutil.rmtree(tmp, ignore_errors=True)
    return {
        "load": load,
        "cpu_by_component_pct": dict(sorted(cpu.items(), key=lambda kv: -kv[1]["cpu_pct"])),
        "py_spy": profiles or "py-spy not found: CPU split per component only",
    }


def write(result: dict[str, object], started: datetime, load_before: list[float],
          command: str, out: Path | None = None) -> Path:
    result.update(date=started.strftime("%Y-%m-%d"),
                  started_at=started.isoformat(timespec="seconds"),
                  load_average=load_before, command=command)
    out = out or RESULTS / f"profile-{started.strftime('%Y-%m-%d')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    return out


def in_run(stack: BenchStack, seconds: float, out: Path | None) -> Iterator[Figure]:
    """The profile as a group of `make bench`: writes its file, yields the headline shares."""
    started, load_before = datetime.now(UTC), load_average()
    result = profile(stack, seconds)
    write(result, started, load_before, "make bench (bench/profile_path.py)", out)
    spy = result["py_spy"]
    web = spy.get("web-1", {}) if isinstance(spy, dict) else {}
    for stage, share in web.get("inclusive_pct", {}).items():
        yield Figure("profile", f"web-1 samples in {stage}", share, "%",
                     {"samples": web.get("samples", 0)})


def main() -> None:
    parser = argparse.ArgumentParser(description="profile the whole request path")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--state-dir", type=Path, help="profile a running stack instead")
    args = parser.parse_args()
    started = datetime.now(UTC)
    load_before = load_average()
    with BenchStack(root=args.state_dir.resolve() if args.state_dir else None) as stack:
        if stack.owned:
            stack.up()
        result = profile(stack, args.seconds)
        stack.set_load(stack.rate)
    out = write(result, started, load_before, "python -m bench.profile_path")
    print(json.dumps(result, indent=2))
    print(f"written: {out}")


if __name__ == "__main__":
    main()
