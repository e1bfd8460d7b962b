"""`python -m chaos.controller --state-dir DIR`: the long-lived controller of one stack."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

import uvicorn

from chaos.api.app import create_app
from chaos.controller.service import Controller
from chaos.runtime.local import LocalRuntime
from chaos.settings import Settings
from chaos.stack.plan import StackPlan
from chaos.state import StateDir, write_atomic


async def serve(state: StateDir) -> int:
    settings = Settings()
    if os.environ.get("GAMEDAY_RUNTIME", "local") == "docker":
        # Inside the Compose project: the plan is Compose's, the containers are supervised
        # through the Docker socket (docs/docker.md).
        from chaos.runtime.docker import prepare

        plan, runtime = prepare(state, backoff_seconds=settings.restart_backoff_seconds)
    else:
        raw = state.read_json(state.stack_file)
        if raw is None:
            print(f"no stack plan at {state.stack_file}; run `gameday up`", file=sys.stderr)
            return 2
        plan = StackPlan.model_validate(raw)
        runtime = LocalRuntime(plan, state, backoff_seconds=settings.restart_backoff_seconds)
    controller = Controller(plan, state, runtime)
    server: uvicorn.Server | None = None

    def request_exit() -> None:
        if server is not None:
            server.should_exit = True

    app = create_app(controller, state.ensure_token(), request_exit=request_exit)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=plan.host,
            port=plan.controller_port,
            log_level="warning",
            access_log=False,
            lifespan="off",
        )
    )
    write_atomic(state.controller_pid_file, f"{os.getpid()}\n")
    controller.start_loops()
    boot = asyncio.create_task(controller.boot())
    try:
        await server.serve()
    finally:
        boot.cancel()
        # A fault must never outlive its controller: revert before exiting (SIGTERM, down).
        await controller.revert_all_faults()
        await controller.close()
        state.controller_pid_file.unlink(missing_ok=True)
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m chaos.controller")
    parser.add_argument("--state-dir", type=Path, required=True)
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # httpx logs every request at INFO: the health loop alone would flood the log.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    sys.exit(asyncio.run(serve(StateDir(args.state_dir))))


if __name__ == "__main__":
    main()
