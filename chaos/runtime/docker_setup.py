"""Wiring for `python -m chaos.controller` with GAMEDAY_RUNTIME=docker: find the Compose
project the controller runs in, build its plan and the Docker runtime, and write the files the
CLI reads (stack.json, compose.json, the token)."""

from __future__ import annotations

import os
import socket
from typing import Any

from chaos.runtime.docker import PROJECT_LABEL, SERVICE_LABEL, DockerRuntime
from chaos.stack.plan import StackPlan
from chaos.state import StateDir


def own_container(client) -> Any | None:
    """The controller's own container (found by hostname = short container id)."""
    try:
        return client.containers.get(socket.gethostname())
    except Exception:  # noqa: BLE001 - not in a container
        return None


def prepare(state: StateDir, backoff_seconds: float = 1.0) -> tuple[StackPlan, DockerRuntime]:
    """Build the Compose plan and the runtime; write stack.json and compose.json for the CLI."""
    import docker

    from chaos.runtime import docker_plan

    client = docker.from_env()
    me = own_container(client)
    labels = (me.labels if me is not None else {}) or {}
    project = os.environ.get("GAMEDAY_COMPOSE_PROJECT") or labels.get(PROJECT_LABEL)
    if not project:
        raise SystemExit("GAMEDAY_RUNTIME=docker needs to run inside the Compose project "
                         "(or GAMEDAY_COMPOSE_PROJECT set)")
    services = {
        (c.get("Labels") or {}).get(SERVICE_LABEL)
        for c in client.api.containers(all=True, filters={"label": f"{PROJECT_LABEL}={project}"})
    }
    from chaos.proxy.token import read_admin_token

    # The token-init service's file (GAMEDAY_ADMIN_TOKEN_FILE), or the variable if set.
    admin_token = read_admin_token() or ""
    public_host = os.environ.get("GAMEDAY_PUBLIC_HOST", "127.0.0.1")
    plan = docker_plan.build_compose_plan(
        state.root, admin_token=admin_token, public_host=public_host,
        grafana="grafana" in services, jaeger="jaeger" in services,
    )
    state.ensure()
    state.write_json(state.stack_file,
                     docker_plan.public_plan(plan, public_host).model_dump(), mode=0o600)
    state.write_json(state.root / "compose.json", {
        "runtime": "docker",
        "project": project,
        "working_dir": labels.get("com.docker.compose.project.working_dir"),
        "config_files": labels.get("com.docker.compose.project.config_files"),
        "endpoints": plan.endpoints,
    })
    state.ensure_token()
    _give_to_owner(state)
    runtime = DockerRuntime(plan, state, client, project, backoff_seconds=backoff_seconds)
    return plan, runtime


def _give_to_owner(state: StateDir) -> None:
    """Files written as root into a bind-mounted state dir belong to the dir's owner."""
    try:
        owner = state.root.stat()
        for path in [state.root / "stack.json", state.root / "compose.json", state.token_file,
                     state.logs]:
            if path.exists():
                os.chown(path, owner.st_uid, owner.st_gid)
    except OSError:
        pass
