"""The local runtime's stack as the CLI sees it: the binaries it needs, the plan to reuse or
build, the controller process to spawn, and what is running when no controller answers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import psutil

from chaos.cli.common import err
from chaos.runtime.process import ProcessHandle
from chaos.settings import Settings
from chaos.stack.plan import StackPlan, build_plan
from chaos.stack.ports import port_is_free
from chaos.state import STACK_MEMBER_ENV, StateDir
from chaos.status_view import ComponentView

# Binary -> the Debian package that provides it.
REQUIRED_BINARIES = {"etcd": "etcd-server", "haproxy": "haproxy", "prometheus": "prometheus"}


def missing_binaries() -> list[str]:
    return [
        f"`{binary}` not found: install the Debian package {package} (apt-get install -y {package})"
        for binary, package in REQUIRED_BINARIES.items()
        if shutil.which(binary) is None
    ]


def plan_ports(plan: StackPlan) -> list[int]:
    ports = [plan.controller_port]
    for spec in plan.components:
        ports.extend(spec.ports.values())
    ports.extend(link.listen_port for link in plan.proxy_links)
    return ports


def live_records(state: StateDir) -> dict:
    records = state.read_json(state.processes_file) or {}
    return {
        name: rec
        for name, rec in records.items()
        if ProcessHandle.adopt(int(rec["pid"]), float(rec["create_time"])) is not None
    }


def choose_plan(settings: Settings, state: StateDir) -> StackPlan:
    """Reuse the saved plan when it still fits, so etcd keeps its data and peer URLs."""
    raw = state.read_json(state.stack_file)
    if raw is not None:
        saved = StackPlan.model_validate(raw)
        same_shape = (
            sum(1 for c in saved.components if c.role == "web" and not c.standby)
            == settings.web_instances
            and ("loadgen" in saved.names()) == settings.load
        )
        if live_records(state) and same_shape:
            return saved  # a crashed controller's stack: adopt it as it is
        busy = [p for p in plan_ports(saved) if not port_is_free(saved.host, p)]
        if same_shape and not busy:
            return saved
        reason = f"ports {busy[:5]} are in use" if busy else "the stack's shape changed"
        for store in saved.names("store"):
            if (state.root / store).exists():
                err.print(f"[yellow]note:[/] {reason}; starting the store with fresh data")
                break
        for store in saved.names("store"):
            shutil.rmtree(state.root / store, ignore_errors=True)
    return build_plan(settings)


def spawn_controller(state: StateDir) -> int:
    log = open(state.log_file("controller"), "ab")  # noqa: SIM115 - handed to the child
    proc = subprocess.Popen(
        [sys.executable, "-m", "chaos.controller", "--state-dir", str(state.root)],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        cwd=state.root,
        env={**os.environ, "GAMEDAY_STATE_DIR": str(state.root),
             STACK_MEMBER_ENV: str(state.root)},
    )
    log.close()
    return proc.pid


def offline_status(state: StateDir) -> dict | None:
    """What can be said without a controller: which recorded processes still run."""
    raw = state.read_json(state.stack_file)
    if raw is None:
        return None
    plan = StackPlan.model_validate(raw)
    live = live_records(state)
    components = [
        ComponentView(
            name=spec.name,
            role=spec.role,
            state="running" if spec.name in live else "stopped",
            pid=live.get(spec.name, {}).get("pid"),
            url=spec.url,
        ).model_dump()
        # A standby web slot is not part of the stack unless it was scaled in and still runs.
        for spec in plan.components
        if not spec.standby or spec.name in live
    ]
    components.append(
        ComponentView(
            name="controller",
            role="controller",
            state="stopped",
            health="unhealthy",
            url=plan.controller_url,
        ).model_dump()
    )
    return {
        "runtime": plan.runtime,
        "phase": "controller-down",
        "healthy": False,
        "state_dir": str(state.root),
        "store_leader": None,
        "components": components,
        "endpoints": plan.endpoints,
    }


def stack_processes(state: StateDir) -> list[psutil.Process]:
    """Every process that belongs to this stack, found by the marker in its environment."""
    found = []
    marker = str(state.root)
    me = psutil.Process()
    spared = {me.pid} | {parent.pid for parent in me.parents()}  # never the caller's own chain
    for proc in psutil.process_iter(["pid"]):
        if proc.pid in spared:
            continue
        try:
            if proc.environ().get(STACK_MEMBER_ENV) == marker:
                found.append(proc)
        except psutil.Error:
            continue
    return found
