"""What the stack costs at rest and at the default load, per component, and what the load
generator itself can offer.

CPU is the growth of user+system time (psutil) of each component's process tree over the
window, as a percentage of one core; RSS is the tree's resident memory at the end. The
controller (`gameday`'s own process) is a component too.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator

import psutil

from bench.common import Figure
from bench.stack import BenchStack

GROUP = "resources"


def _tree(pid: int, others: set[int]) -> list[psutil.Process]:
    """The process and its descendants, stopping at other components (the controller is
    every local component's parent: its tree must not count them again)."""
    try:
        root = psutil.Process(pid)
    except psutil.Error:
        return []
    tree, pending = [root], [root]
    while pending:
        try:
            children = pending.pop().children()
        except psutil.Error:
            continue
        for child in children:
            if child.pid not in others:
                tree.append(child)
                pending.append(child)
    return tree


def _cpu_seconds(processes: list[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            pass
    return total


def _rss_mb(processes: list[psutil.Process]) -> float:
    total = 0
    for process in processes:
        with contextlib.suppress(psutil.Error):
            total += process.memory_info().rss
    return total / 2**20


def _pss_mb(processes: list[psutil.Process]) -> float:
    """Proportional set size: a page shared by n processes counts 1/n in each, so the sum
    over the stack counts the Python interpreter and libraries its five Python processes
    share once (RSS counts them in every process)."""
    total = 0
    for process in processes:
        with contextlib.suppress(psutil.Error):
            total += process.memory_full_info().pss
    return total / 2**20


def sample(pids: dict[str, int], seconds: float) -> dict[str, dict[str, float]]:
    """Per component: CPU % of one core over ``seconds``, and RSS and PSS MB at the end."""
    every = set(pids.values())
    trees = {name: _tree(pid, every - {pid}) for name, pid in pids.items()}
    before = {name: _cpu_seconds(tree) for name, tree in trees.items()}
    started = time.monotonic()
    time.sleep(seconds)
    elapsed = time.monotonic() - started
    usage = {}
    for name, tree in trees.items():
        cpu = (_cpu_seconds(tree) - before[name]) / elapsed * 100
        usage[name] = {"cpu_pct": round(cpu, 1), "rss_mb": round(_rss_mb(tree), 1),
                       "pss_mb": round(_pss_mb(tree), 1)}
    return usage


def _total(usage: dict[str, dict[str, float]], field: str) -> float:
    return round(sum(u[field] for u in usage.values()), 1)


def _totals(usage: dict[str, dict[str, float]]) -> tuple[float, float]:
    return _total(usage, "cpu_pct"), _total(usage, "rss_mb")


def stack_usage(stack: BenchStack, seconds: float, default_rate: float) -> list[Figure]:
    figures = []
    for label, rate in (("idle (load 0 req/s)", 0.0), (f"at {default_rate:g} req/s", default_rate)):
        stack.set_load(rate)
        time.sleep(2)  # let the change settle
        usage = sample(stack.pids(), seconds)
        cpu, rss = _totals(usage)
        by_role = {name: u for name, u in sorted(usage.items(), key=lambda kv: -kv[1]["cpu_pct"])}
        figures.append(Figure(GROUP, f"whole stack CPU, {label}", cpu, "% of one core",
                              {"per_component": by_role, "seconds": seconds},
                              goal="<= 30%" if rate else ""))
        figures.append(Figure(GROUP, f"whole stack RSS, {label}", rss, "MB",
                              goal="<= 600 MB" if rate else ""))
        figures.append(Figure(GROUP, f"whole stack PSS (shared pages once), {label}",
                              _total(usage, "pss_mb"), "MB"))
    stack.set_load(default_rate)
    return figures


def _frontend_requests(stack: BenchStack) -> float:
    text = stack.http.get(stack.component("lb")["metrics_url"]).text
    total = 0.0
    for line in text.splitlines():
        if line.startswith("haproxy_frontend_http_requests_total{") and 'proxy="api"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


def _settle(stack: BenchStack, rate: float, timeout: float = 30.0) -> None:
    """Until HAProxy sees the default rate again for two seconds in a row (the users of the
    overload have stopped and its backlog is served), so the next group does not measure
    the tail of the overload. Bounded."""
    deadline, calm, last = time.monotonic() + timeout, 0, _frontend_requests(stack)
    while calm < 2 and time.monotonic() < deadline:
        time.sleep(1)
        now = _frontend_requests(stack)
        calm = calm + 1 if now - last <= 1.5 * rate + 5 else 0
        last = now


def loadgen_capacity(stack: BenchStack, seconds: float, default_rate: float) -> Figure:
    """Ask the load generator for far more than it can send; count what reaches HAProxy."""
    asked = 2000.0
    stack.set_load(asked)
    time.sleep(3)  # ramp
    before, started = _frontend_requests(stack), time.monotonic()
    usage = sample({"loadgen": stack.pids()["loadgen"]}, seconds)
    arrived = (_frontend_requests(stack) - before) / (time.monotonic() - started)
    stack.set_load(default_rate)
    _settle(stack, default_rate)
    return Figure(GROUP, "load generator capacity (req/s reaching HAProxy)", round(arrived),
                  "req/s", {"asked_rps": asked, "loadgen": usage["loadgen"]})


@contextlib.contextmanager
def _paused(pid: int) -> Iterator[None]:
    """SIGSTOP ``pid`` for the block, SIGCONT after it whatever happens."""
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


# What pausing each of these takes away from the idle stack: its own CPU and what its calls
# cost every other component (the controller's health probes, Prometheus' scrapes).
PAUSED = {"controller": "the controller (its loops and its health probes, everywhere)",
          "prometheus": "Prometheus (its scrapes and rule evaluation, everywhere)"}


def paused_split(stack: BenchStack, seconds: float) -> Iterator[Figure]:
    """The idle stack's CPU with each of PAUSED stopped in turn, against the idle stack
    measured just before it: the difference is what that component costs in total."""
    stack.set_load(0)
    time.sleep(2)
    pids = stack.pids()
    for name, label in PAUSED.items():
        idle, _ = _totals(sample(pids, seconds))
        with _paused(pids[name]):
            usage = sample(pids, seconds)
        time.sleep(2)  # let it catch up before the next window
        without, _ = _totals(usage)
        yield Figure(GROUP, f"idle stack CPU taken by {label}", round(idle - without, 1),
                     "% of one core", {"idle_pct": idle, "paused_pct": without,
                                       "per_component_paused": {n: u["cpu_pct"] for n, u in
                                                                usage.items()}})


def measure(stack: BenchStack, seconds: float = 20.0, default_rate: float = 20.0
            ) -> Iterator[Figure]:
    yield from stack_usage(stack, seconds, default_rate)
    yield from paused_split(stack, min(seconds, 15.0))
    stack.set_load(default_rate)
    yield loadgen_capacity(stack, min(seconds, 10.0), default_rate)
