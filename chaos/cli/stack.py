"""`gameday up`, `status`, `down` and `logs`: the stack's lifecycle from the terminal."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import psutil
import typer
from rich.live import Live
from rich.table import Table

from chaos.cli.client import ApiError, ControllerClient, ControllerUnavailable, controller_pid
from chaos.cli.common import JsonOption, StateDirOption, console, emit, err, resolve_state
from chaos.cli.local_stack import (
    choose_plan,
    live_records,
    missing_binaries,
    offline_status,
    spawn_controller,
    stack_processes,
)
from chaos.runtime import compose_cli, docker_plan
from chaos.settings import Settings
from chaos.stack.ports import port_is_free
from chaos.state import StateDir


class Runtime(StrEnum):
    auto = "auto"
    local = "local"
    docker = "docker"


def status_table(status: dict) -> Table:
    table = Table("component", "role", "state", "health", "pid", "url", "note",
                  title=f"gameday ({status.get('runtime', '?')} runtime, {status.get('phase')})")
    colours = {"healthy": "green", "unhealthy": "red", "unknown": "yellow"}
    for c in status["components"]:
        note = []
        if c.get("leader"):
            note.append("leader")
        if c.get("held_down"):
            note.append("held down")
        if c.get("restarts"):
            note.append(f"{c['restarts']} restarts")
        table.add_row(
            c["name"],
            c["role"],
            c["state"],
            f"[{colours.get(c['health'], 'white')}]{c['health']}[/]",
            str(c.get("pid") or "-"),
            c.get("url") or "-",
            ", ".join(note),
        )
    return table


def show_status(status: dict) -> None:
    """What `up` and `status` print: every component, then the URLs to open."""
    console.print(status_table(status))
    console.print(endpoints_table(status["endpoints"]))


def endpoints_table(endpoints: dict) -> Table:
    table = Table(title="endpoints", show_header=False)
    for name, url in endpoints.items():
        table.add_row(name, url)
    return table


def wait_until_healthy(state: StateDir, pid: int, timeout: float) -> dict | None:
    client = ControllerClient(state, timeout=2.0)
    deadline = time.monotonic() + timeout
    last: dict | None = None
    with Live(console=console, refresh_per_second=4, transient=True) as live:
        while time.monotonic() < deadline:
            if not psutil.pid_exists(pid):
                return last
            try:
                last = client.get("/api/status")
                live.update(status_table(last))
                if last.get("healthy") and last.get("phase") == "ready":
                    return last
            except (ControllerUnavailable, ApiError):
                pass
            time.sleep(0.3)
    return last


def up(
    web: Annotated[
        int, typer.Option("--web", min=1, max=16, help="Web instances (1 to 3 under Compose).")
    ] = 3,
    state_dir: StateDirOption = None,
    no_load: Annotated[
        bool,
        typer.Option(
            "--no-load", help="Do not start the load generator (under Compose: start it idle)."
        ),
    ] = False,
    rate: Annotated[float, typer.Option("--rate", min=0, help="Load generator requests/s.")] = 20.0,
    runtime: Annotated[
        Runtime,
        typer.Option(
            "--runtime",
            help="docker: Compose; local: processes; auto: Compose when a Docker engine answers.",
        ),
    ] = Runtime.auto,
) -> None:
    """Start the stack in the background and wait until every component is healthy."""
    state = resolve_state(state_dir)
    state.ensure()
    if runtime is Runtime.docker or (runtime is Runtime.auto and compose_cli.engine_available()):
        up_compose(state, web=web, no_load=no_load, rate=rate)
        return
    if controller_pid(state) is not None:
        console.print(f"gameday is already running (state dir {state.root}).")
        try:
            console.print(endpoints_table(ControllerClient(state).get("/api/status")["endpoints"]))
        except (ControllerUnavailable, ApiError) as exc:
            err.print(f"[yellow]but its controller does not answer:[/] {exc}")
        return
    problems = missing_binaries()
    if problems:
        for problem in problems:
            err.print(f"[red]error:[/] {problem}")
        raise typer.Exit(1)
    settings = Settings(state_dir=state.root, web_instances=web, load=not no_load, load_rate=rate)
    adopting = bool(live_records(state))
    plan = choose_plan(settings, state)
    for conflict in plan.conflicts:
        err.print(f"[yellow]warning:[/] {conflict}")
    if not port_is_free(plan.host, plan.controller_port):
        err.print(f"[red]error:[/] controller port {plan.controller_port} is in use")
        raise typer.Exit(1)
    state.write_json(state.stack_file, plan.model_dump(), mode=0o600)  # holds tokens
    state.ensure_token()
    if adopting:
        console.print("The controller was not running: restarting it to adopt the running stack.")
    else:
        state.write_json(state.scale_file, {"web": web})
    started = time.monotonic()
    pid = spawn_controller(state)
    status = wait_until_healthy(state, pid, settings.startup_timeout_seconds)
    if status is None or not status.get("healthy"):
        err.print("[red]error:[/] the stack did not become healthy in time.")
        if status:
            err.print(status_table(status))
            for c in status["components"]:
                if c["health"] != "healthy":
                    err.print(
                        f"[bold]{c['name']}[/] log tail:\n{_tail(state.log_file(c['name']), 8)}"
                    )
        else:
            err.print(_tail(state.log_file("controller"), 20))
        err.print("The stack is left as it is for inspection; `gameday down` stops it.")
        raise typer.Exit(1)
    show_status(status)
    console.print(
        f"Up in {time.monotonic() - started:.1f}s. Try:\n"
        f'  curl -X PUT {status["endpoints"]["api"]}/kv/hello -d \'{{"value":"world"}}\' '
        "-H 'content-type: application/json'\n"
        "  gameday status    gameday logs web-1    gameday down"
    )


def up_compose(state: StateDir, *, web: int, no_load: bool, rate: float) -> None:
    """The same stack under Docker Compose (see docs/docker.md).

    Compose defines the web slots web-1..web-3: fewer instances are a scale-in once the stack
    is up. The controller depends on the load generator's container, so --no-load starts it
    idle (rate 0); `gameday load set --rate R` starts traffic later.
    """
    slots = len(docker_plan.webs())
    if web > slots:
        err.print(
            f"[red]error:[/] --web: the Compose stack has {slots} web slots "
            f"(web-1..web-{slots}), so --web takes 1 to {slots}; "
            "use --runtime local for up to 16"
        )
        raise typer.Exit(2)
    started = time.monotonic()
    try:
        status = compose_cli.compose_up(state, rate=0 if no_load else rate, say=console.print)
        running = [c for c in status["components"] if c["role"] == "web"]
        if len(running) != web:
            console.print(f"scaling web from {len(running)} to {web}")
            client = ControllerClient(state, timeout=90.0)
            client.post("/api/scale", json={"role": "web", "count": web})
            status = client.get("/api/status")
    except compose_cli.ComposeError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from None
    except (ControllerUnavailable, ApiError) as exc:
        err.print(f"[red]error:[/] the stack is up but scaling web to {web} failed: {exc}")
        raise typer.Exit(1) from None
    show_status(status)
    console.print(f"Up under Docker Compose in {time.monotonic() - started:.1f}s.")


def status(state_dir: StateDirOption = None, as_json: JsonOption = False) -> None:
    """Show every component: role, state, health, pid, URL, and the store leader."""
    state = resolve_state(state_dir)
    try:
        result = ControllerClient(state, timeout=5.0).get("/api/status")
    except ControllerUnavailable as exc:
        result = offline_status(state)
        if result is None:
            err.print(f"[red]error:[/] {exc}")
            raise typer.Exit(1) from None
    emit(result, as_json, show_status)


def down(
    state_dir: StateDirOption = None,
    purge: Annotated[
        bool, typer.Option("--purge", help="Also delete the state directory.")
    ] = False,
) -> None:
    """Revert every fault and stop every process of the stack."""
    state = resolve_state(state_dir)
    if compose_cli.is_compose_stack(state):
        try:
            compose_cli.compose_down(state, say=console.print)
        except compose_cli.ComposeError as exc:
            err.print(f"[red]error:[/] {exc}")
            raise typer.Exit(1) from None
        console.print("gameday (Compose) is down.")
        return
    pid = controller_pid(state)
    if pid is not None:
        try:
            ControllerClient(state, timeout=60.0).post("/api/shutdown")
        except (ControllerUnavailable, ApiError) as exc:
            err.print(f"[yellow]controller shutdown failed ({exc}); stopping processes directly[/]")
        try:
            psutil.Process(pid).wait(10)
        except psutil.TimeoutExpired:
            os.kill(pid, signal.SIGKILL)
        except psutil.Error:
            pass
    leftovers = stack_processes(state)
    for proc in leftovers:
        try:
            os.killpg(proc.pid, signal.SIGCONT)
            os.killpg(proc.pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            pass
    _gone, alive = psutil.wait_procs(leftovers, timeout=5)
    for proc in alive:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    state.processes_file.unlink(missing_ok=True)
    state.controller_pid_file.unlink(missing_ok=True)
    if leftovers and pid is None:
        console.print(f"Stopped {len(leftovers)} leftover processes.")
    if purge:
        shutil.rmtree(state.root, ignore_errors=True)
    console.print("gameday is down.")


def _tail(path: Path, lines: int) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return f"(no log at {path})"

