"""`python -m chaos.controller --state-dir DIR`: the long-lived controller of one stack."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import os
import sys
from pathlib import Path

from chaos.controller.service import Controller
from chaos.runtime.local import LocalRuntime
from chaos.settings import Settings
from chaos.stack.plan import StackPlan
from chaos.state import StateDir, write_atomic
from services import jsonlog

# The HTTP API (FastAPI, uvicorn and every router) is most of this process's start-up time:
# a second or more of CPU, far more on a busy machine. It is imported while boot() adopts the
# stack and reverts what a crashed controller left behind, so a fault does not outlive its
# controller by that import (tests/integration/test_rollback.py measures it).
API_MODULES = ("uvicorn", "chaos.api.app")
LOG_FOLLOWER_CONNECTIONS = 32  # one per followed container, with room for restarts


def _import_api() -> tuple:
    return tuple(importlib.import_module(name) for name in API_MODULES)


def container_logs(runtime, plan: StackPlan, client=None):
    """Under Compose the components' logs are their containers' (docs/observability.md):
    followed through the Docker Engine API, named by Compose service as the runtime names them.
    A client of its own (the same library and socket as the runtime's): each follower holds a
    connection for as long as it follows, more than docker-py's default pool of 10 keeps, and
    the runtime's supervision calls must not wait for them."""
    from chaos.logs.docker_source import DockerLogSource

    if client is None:
        import docker

        client = docker.from_env(max_pool_size=LOG_FOLLOWER_CONNECTIONS)
    components = {*plan.names(), "controller"}
    return lambda store: DockerLogSource(client, runtime.project, store, components)


async def serve(state: StateDir) -> int:
    # Written first: from here on `gameday up`, `status` and `down` know this controller.
    write_atomic(state.controller_pid_file, f"{os.getpid()}\n")
    try:
        return await _serve(state)
    finally:
        state.controller_pid_file.unlink(missing_ok=True)


async def _serve(state: StateDir) -> int:
    settings = Settings()
    if os.environ.get("GAMEDAY_RUNTIME", "local") == "docker":
        # Inside the Compose project: the plan is Compose's, the containers are supervised
        # through the Docker socket (docs/docker.md).
        from chaos.runtime.docker_setup import prepare

        plan, runtime = prepare(state, backoff_seconds=settings.restart_backoff_seconds)
        log_source = container_logs(runtime, plan)
    else:
        raw = state.read_json(state.stack_file)
        if raw is None:
            print(f"no stack plan at {state.stack_file}; run `gameday up`", file=sys.stderr)
            return 2
        plan = StackPlan.model_validate(raw)
        runtime = LocalRuntime(plan, state, backoff_seconds=settings.restart_backoff_seconds)
        log_source = None  # the controller tails <state-dir>/logs/NAME.log
    controller = Controller(plan, state, runtime, log_source=log_source,
                            traces_forward_url=settings.traces_forward_url)
    server = None

    def request_exit() -> None:
        if server is not None:
            server.should_exit = True

    controller.start_loops()
    recording = asyncio.create_task(controller.events.run(), name="events")
    boot = asyncio.create_task(controller.boot())
    try:
        uvicorn, api = await asyncio.to_thread(_import_api)
        app = api.create_app(controller, state.ensure_token(), request_exit=request_exit)
        server = uvicorn.Server(
            uvicorn.Config(
                app,
                host=plan.host,
                port=plan.controller_port,
                log_level="warning",
                access_log=False,
                log_config=None,
                lifespan="off",
            )
        )
        await server.serve()
    finally:
        boot.cancel()
        # A fault must never outlive its controller: revert before exiting (SIGTERM, down).
        await controller.revert_all_faults()
        recording.cancel()
        controller.events.sync()  # the reverts just made, before the log is left
        await controller.close()
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m chaos.controller")
    parser.add_argument("--state-dir", type=Path, required=True)
    args = parser.parse_args()
    jsonlog.configure("controller")
    # httpx logs every request at INFO: the health loop alone would flood the log.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    sys.exit(asyncio.run(serve(StateDir(args.state_dir))))


if __name__ == "__main__":
    main()
