"""Run `python -m chaos.proxy` as a subprocess for tests that need the real CLI."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

from tests.chaos.proxy.proxy_harness import free_port
from tests.chaos.proxy.real_proxy import TOKEN


def wait_until(check: Callable[[], object], timeout: float, what: str, every: float = 0.1):
    """Poll `check` until it returns something truthy (and return it); fail after `timeout`."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except (httpx.HTTPError, OSError, KeyError, ValueError) as exc:
            last_error = exc
        time.sleep(every)
    raise AssertionError(
        f"timed out after {timeout}s waiting for {what} (last error: {last_error})"
    )


def stop_process(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(3)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(3)


@contextlib.contextmanager
def proxy_process(tmp: Path, config: dict, env: dict[str, str] | None = None,
                  token: str | None = TOKEN) -> Iterator[httpx.Client]:
    """Start the proxy CLI (its admin token from `env`, by default GAMEDAY_ADMIN_TOKEN=TOKEN);
    yield an admin client sending `token`; always stop it."""
    if env is None:
        env = {"GAMEDAY_ADMIN_TOKEN": TOKEN}
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("GAMEDAY_ADMIN_TOKEN")}
    config_path = tmp / "links.json"
    config_path.write_text(json.dumps(config))
    admin_port = free_port()
    log = (tmp / "proxy.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "chaos.proxy", "--config", str(config_path),
         "--admin-host", "127.0.0.1", "--admin-port", str(admin_port)],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env={**child_env, **env},
    )  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    admin = httpx.Client(base_url=f"http://127.0.0.1:{admin_port}", timeout=5, headers=headers)
    try:
        # Generous: a cold start (imports) takes seconds on a loaded 2-core machine.
        wait_until(lambda: proc.poll() is None and admin.get("/healthz").is_success, 30,
                   "proxy admin API")  # fmt: skip
        yield admin
    finally:
        admin.close()
        stop_process(proc)
        log.close()
