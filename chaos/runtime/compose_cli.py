"""`gameday up/down --runtime docker`: the Compose stack driven from the host.

chaos/cli/stack.py calls these; nothing here prints except through the `say` callback.

    compose_up(state)     docker compose up -d, wait until the controller reports healthy
    compose_down(state)   docker compose down -v (project and files read from compose.json)
    engine_available()    does a Docker engine answer? (for --runtime auto)

The controller inside Compose writes stack.json (the controller at its published port),
token and compose.json into the state dir, which is bind-mounted at /state, so `gameday
status`, `inject`, `faults` and `down` work unchanged against it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from chaos.runtime.docker_plan import PUBLISHED
from chaos.stack.ports import PortAllocator
from chaos.state import StateDir

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
OFFLINE_FILE = REPO_ROOT / "compose" / "offline" / "docker-compose.offline.yml"
OFFLINE_PYTHON_IMAGE = "gameday-offline/python:3.11"
DEFAULT_PROJECT = "gameday"


class ComposeError(Exception):
    pass


def compose_command() -> list[str]:
    """`docker compose` (v2) when the plugin answers, else docker-compose 1.29."""
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    raise ComposeError(
        "neither `docker compose` nor `docker-compose` is installed "
        "(Debian: apt-get install -y docker.io docker-compose)"
    )


def engine_available(timeout: float = 3.0) -> bool:
    try:
        import docker

        client = docker.from_env(timeout=timeout)
        client.ping()
        client.close()
        return True
    except Exception:  # noqa: BLE001 - any failure means "no engine"
        return False


def offline_images_present() -> bool:
    probe = subprocess.run(
        ["docker", "image", "inspect", OFFLINE_PYTHON_IMAGE], capture_output=True, check=False
    )
    return probe.returncode == 0


def compose_files(offline: bool) -> list[Path]:
    return [COMPOSE_FILE, OFFLINE_FILE] if offline else [COMPOSE_FILE]


def _base_args(project: str, files: list[Path]) -> list[str]:
    args = [*compose_command(), "-p", project]
    for path in files:
        args += ["-f", str(path)]
    return args


def compose_env(
    state: StateDir, ports: dict[str, int] | None = None, rate: float | None = None
) -> dict[str, str]:
    """Environment for Compose: the state dir and published ports. The stack's admin token is
    not passed: the token-init service writes one into its volume (no default secret), and
    the controller's API token lands in the state dir as `token`, where `gameday` reads it."""
    env = {k: v for k, v in os.environ.items() if k not in ("GAMEDAY_ADMIN_TOKEN",)}
    env["GAMEDAY_STATE_DIR"] = str(state.root)
    for endpoint, port in (ports or {}).items():
        env[PUBLISHED[endpoint][0]] = str(port)
    if rate is not None:
        env["GAMEDAY_LOAD_RATE"] = f"{rate:g}"
    return env


def compose_up(
    state: StateDir,
    *,
    offline: bool | None = None,
    grafana: bool | None = None,
    project: str = DEFAULT_PROJECT,
    ports: dict[str, int] | None = None,
    rate: float | None = None,
    build: bool = False,
    timeout: float = 300.0,
    say: Callable[[str], None] = lambda _msg: None,
) -> dict:
    """Start the Compose stack and wait until the controller says it is healthy.

    offline=None picks the offline override when its images exist (build-images.sh ran).
    Grafana starts unless offline (it has no offline image) or grafana=False; Jaeger starts
    unless offline (no offline image either: the controller keeps the traces alone).
    Returns the controller's /api/status.
    """
    if offline is None:
        offline = offline_images_present()
    files = compose_files(offline)
    state.ensure()
    for stale in (state.stack_file, state.root / "compose.json", state.controller_pid_file):
        stale.unlink(missing_ok=True)
    env = compose_env(state, ports, rate)
    args = [*_base_args(project, files), "up", "-d"]
    if build:
        args.append("--build")
    left_out = ({"grafana"} if grafana is False or (grafana is None and offline) else set()) \
        | ({"jaeger"} if offline else set())
    if left_out:
        args += [s for s in _services(project, files, env) if s not in left_out]
    say(
        f"docker compose up ({'offline images' if offline else 'official images'}, "
        f"project {project})"
    )
    run = subprocess.run(args, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
    if run.returncode != 0:
        raise ComposeError(f"compose up failed:\n{run.stderr[-3000:]}")
    deadline = time.monotonic() + timeout
    last: dict | None = None
    while time.monotonic() < deadline:
        last = controller_status(state) or last
        if last and last.get("healthy") and last.get("phase") == "ready":
            return last
        time.sleep(1.0)
    raise ComposeError(
        f"the Compose stack did not become healthy in {timeout:.0f}s; last status: {last}"
    )


def controller_status(state: StateDir) -> dict | None:
    """The controller's /api/status at the address it wrote into stack.json, or None."""
    import httpx

    stack = state.read_json(state.stack_file)
    if stack is None:
        return None
    url = f"http://{stack['host']}:{stack['controller_port']}/api/status"
    try:
        response = httpx.get(url, timeout=3.0)
        return response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        return None


def _services(project: str, files: list[Path], env: dict[str, str]) -> list[str]:
    run = subprocess.run(
        [*_base_args(project, files), "config", "--services"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return [line.strip() for line in run.stdout.splitlines() if line.strip()]


def _recorded_project(state: StateDir) -> tuple[str, Path, list[Path]]:
    """Project, working dir and files of the stack this state dir names (compose.json)."""
    marker = state.read_json(state.root / "compose.json") or {}
    project = marker.get("project") or DEFAULT_PROJECT
    working_dir = Path(marker.get("working_dir") or REPO_ROOT)
    files = [working_dir / f for f in (marker.get("config_files") or "").split(",") if f] or [
        COMPOSE_FILE
    ]
    return project, working_dir, files


def compose_logs(state: StateDir, service: str, *, follow: bool = False, lines: int = 100) -> int:
    """`gameday logs NAME` under Compose: the service's container log, straight to stdout."""
    project, working_dir, files = _recorded_project(state)
    args = [*_base_args(project, files), "logs", "--no-color", f"--tail={lines}"]
    if follow:
        args.append("-f")
    return subprocess.run(
        [*args, service], cwd=working_dir, env=compose_env(state), check=False
    ).returncode


def compose_down(
    state: StateDir, *, volumes: bool = True, say: Callable[[str], None] = lambda _msg: None
) -> bool:
    """Tear the Compose stack down; False when the state dir names no Compose stack."""
    if not is_compose_stack(state):
        return False
    project, working_dir, files = _recorded_project(state)
    env = compose_env(state)
    args = [*_base_args(project, files), "down", "--remove-orphans"]
    if volumes:
        args.append("-v")
    say(f"docker compose down (project {project})")
    run = subprocess.run(
        args, cwd=working_dir, env=env, capture_output=True, text=True, check=False
    )
    if run.returncode != 0:
        raise ComposeError(f"compose down failed:\n{run.stderr[-3000:]}")
    for path in (state.root / "compose.json", state.stack_file, state.controller_pid_file):
        path.unlink(missing_ok=True)
    return True


def is_compose_stack(state: StateDir) -> bool:
    return (state.root / "compose.json").exists()


def endpoint_lines(status: dict) -> list[tuple[str, str]]:
    """What `gameday up --runtime docker` prints: every URL a user opens."""
    labels = {
        "api": "API",
        "grafana": "Grafana",
        "jaeger": "Jaeger (traces)",
        "prometheus": "Prometheus",
        "alertmanager": "Alertmanager",
        "loadgen": "Locust",
        "controller": "controller",
    }
    endpoints = status.get("endpoints", {})
    return [(labels[k], endpoints[k]) for k in labels if k in endpoints]


def free_ports(host: str = "127.0.0.1") -> dict[str, int]:
    """A distinct free port for every published endpoint (tests, CI next to other stacks)."""
    allocator = PortAllocator(host, use_defaults=False)
    return {endpoint: allocator.free() for endpoint in PUBLISHED}


def main(argv: list[str] | None = None) -> int:
    """`python -m chaos.runtime.compose_cli up|down --state-dir DIR` (CI and debugging)."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m chaos.runtime.compose_cli")
    parser.add_argument("action", choices=["up", "down"])
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--project", default=DEFAULT_PROJECT)
    parser.add_argument("--offline", action=argparse.BooleanOptionalAction, default=None)
    parser.add_argument("--grafana", action=argparse.BooleanOptionalAction, default=None)
    parser.add_argument("--free-ports", action="store_true")
    parser.add_argument("--rate", type=float, default=None)
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args(argv)
    state = StateDir(args.state_dir)

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    try:
        if args.action == "down":
            if not compose_down(state, say=say):
                say(f"no Compose stack recorded in {state.root}")
            return 0
        status = compose_up(
            state,
            offline=args.offline,
            grafana=args.grafana,
            project=args.project,
            rate=args.rate,
            timeout=args.timeout,
            ports=free_ports() if args.free_ports else None,
            say=say,
        )
    except ComposeError as exc:
        say(f"error: {exc}")
        return 1
    for label, url in endpoint_lines(status):
        print(f"{label:<11} {url}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
