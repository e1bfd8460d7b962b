"""Start Locust for the loadgen: one process, or a master plus N workers, as children of a
small supervisor (this process).

The children die with the supervisor even on SIGKILL (Linux parent-death signal), SIGTERM
and SIGINT are passed on, and if any child exits the rest are stopped and the supervisor exits
with the child's code, so the component is either whole or gone and its own supervisor (the
gameday controller) restarts it.
"""

from __future__ import annotations

import ctypes
import logging
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from services.loadgen.control import spawn_rate
from services.loadgen.options import LaunchOptions
from services.loadgen.pacing import plan_for_rate

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
STOP_GRACE_SECONDS = 10
PR_SET_PDEATHSIG = 1
logger = logging.getLogger("services.loadgen")


def common_args(options: LaunchOptions) -> list[str]:
    return [
        "-f",
        str(LOCUSTFILE),
        "--host",
        options.target,
        "--loglevel",
        options.loglevel,
        f"--gameday-rate={options.rate:g}",
        *options.traffic.to_locust_args(),
    ]


def exporter_args(options: LaunchOptions, master_port: int | None) -> list[str]:
    """The process with the web UI: the single process, or the master."""
    plan = plan_for_rate(options.rate, options.traffic.max_per_user_rate)
    args = [
        *common_args(options),
        "--web-host",
        options.web_host,
        "--web-port",
        str(options.web_port),
        # Web UI *and* load from the start; never quit on our own, the stack stops us.
        "--autostart",
        "--users",
        str(plan.users),
        "--spawn-rate",
        f"{spawn_rate(plan.users, options.workers):g}",
        # Let users finish a request in flight when stopped or scaled down, so the checker
        # sees how its writes ended.
        "--stop-timeout",
        f"{options.traffic.connect_timeout + options.traffic.timeout:g}",
    ]
    if master_port is not None:
        args += [
            "--master",
            "--master-bind-host",
            "127.0.0.1",
            "--master-bind-port",
            str(master_port),
            "--expect-workers",
            str(options.workers),
        ]
    return args


def worker_args(options: LaunchOptions, master_port: int) -> list[str]:
    return [
        *common_args(options),
        "--worker",
        "--master-host",
        "127.0.0.1",
        "--master-port",
        str(master_port),
    ]


def locust_commands(options: LaunchOptions, master_port: int | None) -> list[list[str]]:
    locust = [sys.executable, "-m", "locust"]
    commands = [[*locust, *exporter_args(options, master_port)]]
    if master_port is not None:
        commands += [[*locust, *worker_args(options, master_port)]] * options.workers
    return commands


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    # Runs in the child between fork and exec.
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def run(options: LaunchOptions) -> int:
    master_port = free_port() if options.workers > 0 else None
    stop_requested = False

    def request_stop(_signum: int, _frame: object) -> None:
        nonlocal stop_requested
        stop_requested = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    children = [
        subprocess.Popen(command, preexec_fn=_die_with_parent)
        for command in locust_commands(options, master_port)
    ]
    logger.info(
        "loadgen: %d Locust process(es), web UI http://%s:%d",
        len(children),
        options.web_host,
        options.web_port,
    )
    exited = _wait_for_first_exit(children, lambda: stop_requested)
    _stop_all(children)
    return exited.returncode if exited is not None else 0


def _wait_for_first_exit(
    children: list[subprocess.Popen[bytes]], stop_requested: Callable[[], bool]
) -> subprocess.Popen[bytes] | None:
    while not stop_requested():
        for child in children:
            if child.poll() is not None:
                logger.error(
                    "loadgen: Locust pid %d exited with %s, stopping the others",
                    child.pid,
                    child.returncode,
                )
                return child
        time.sleep(0.2)
    return None


def _stop_all(children: list[subprocess.Popen[bytes]]) -> None:
    """Master first: it tells its workers to quit and takes their final reports, then any
    worker still running gets its own SIGTERM, and SIGKILL once the grace time is over."""
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for child in children:
        if child.poll() is None:
            child.terminate()
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
