"""The bench's own stack: `gameday up` on free ports in a temp state dir, always torn down.

Also starts extra web instances outside the stack (same code, other settings) for the
figures that compare settings side by side, and stops them with the stack.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from services.web.local_etcd import free_port

REPO = Path(__file__).resolve().parent.parent
# How an extra web instance starts, as the stack starts its own.
WEB_LAUNCH = ("-m", "services.web")


class BenchStack:
    def __init__(self, rate: float = 20.0, root: Path | None = None) -> None:
        """A new stack in a fresh temp dir, or (``root``) the running stack there, which
        ``close()`` then leaves running."""
        self.rate = rate
        self.owned = root is None
        self.root = Path(tempfile.mkdtemp(prefix="gameday-bench-")) if root is None else root
        self.env = {**os.environ, "GAMEDAY_STATE_DIR": str(self.root), "GAMEDAY_PORTS": "free"}
        self.http = httpx.Client(timeout=5.0, trust_env=False)
        self._extra: list[subprocess.Popen] = []
        self.extra_pids: dict[str, int] = {}  # extra web instance URL -> its pid
        self._controller: tuple[str, Any] | None = None  # (the plan it was made for, client)

    # -- life cycle ------------------------------------------------------------------------

    def cli(self, *args: str, timeout: float = 240, check: bool = True) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "chaos.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=REPO,
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"gameday {' '.join(args)}: {result.stderr[-2000:]}")
        return result.stdout

    def up(self, attempts: int = 2) -> float:
        """`gameday up` until healthy; returns the seconds the successful attempt took.

        On a shared machine another process may take a port between its allocation and
        its bind (the proxy then fails with EADDRINUSE): one failed attempt is torn down
        and retried on fresh ports; the figure is the attempt that worked."""
        for attempt in range(attempts):
            started = time.monotonic()
            try:
                self.cli("up", "--runtime", "local", "--rate", str(self.rate))
                return time.monotonic() - started
            except RuntimeError:
                self.cli("down", timeout=120, check=False)
                if attempt == attempts - 1:
                    raise
                # A fresh state dir: a new plan on new free ports.
                shutil.rmtree(self.root, ignore_errors=True)
                self.root.mkdir()
        raise AssertionError("unreachable")

    def down(self) -> None:
        self._stop_extra()
        self.cli("down", timeout=120, check=False)

    def _stop_extra(self) -> None:
        for process in self._extra:
            process.kill()
            process.wait(timeout=10)
        self._extra.clear()
        self.extra_pids.clear()

    def close(self) -> None:
        """Stop the extra web instances this bench started; a stack it started (not one it
        was given with ``root``) is torn down and its state dir removed too."""
        if self._controller is not None:
            self._controller[1].http.close()
            self._controller = None
        if not self.owned:
            self._stop_extra()
            return
        try:
            self.down()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> BenchStack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- what the stack is -----------------------------------------------------------------

    @property
    def plan(self) -> dict[str, Any]:
        return json.loads((self.root / "stack.json").read_text())

    @property
    def controller(self):  # -> chaos.cli.client.ControllerClient
        """One client per stack plan, kept: building one (the plan, an httpx client and its
        TLS context) is slow on a loaded machine, and a figure timed from "just before the
        controller is asked" (bench/recovery.py) must not count it."""
        # Imported here: chaos.cli pulls in the whole CLI, seconds of start-up for the
        # bench's helper tests that never talk to a controller.
        from chaos.cli.client import ControllerClient
        from chaos.state import StateDir

        plan = (self.root / "stack.json").read_text()
        if self._controller is None or self._controller[0] != plan:
            if self._controller is not None:
                self._controller[1].http.close()
            self._controller = (plan, ControllerClient(StateDir(self.root)))
        return self._controller[1]

    def component(self, name: str) -> dict[str, Any]:
        return next(c for c in self.plan["components"] if c["name"] == name)

    def names(self, role: str) -> list[str]:
        # Standby web instances (for `gameday scale`) are planned but not running.
        return [c["name"] for c in self.plan["components"] if c["role"] == role
                and not c.get("standby")]

    def pids(self) -> dict[str, int]:
        processes = json.loads((self.root / "processes.json").read_text())
        pids = {name: entry["pid"] for name, entry in processes.items() if entry.get("pid")}
        pid_file = self.root / "controller.pid"
        if pid_file.exists():
            pids["controller"] = int(pid_file.read_text().split()[0])
        return pids

    def status(self) -> dict[str, Any]:
        return json.loads(self.cli("status", "--json"))

    def link(self, name: str) -> str:
        """The listen address of the fault-proxy link called ``name`` (e.g. lb->web-1)."""
        return next(link["listen"] for link in self.plan["proxy_links"] if link["name"] == name)

    @property
    def controller_url(self) -> str:
        return self.plan["endpoints"]["controller"]

    @property
    def api(self) -> str:
        return self.plan["endpoints"]["api"]

    @property
    def prometheus(self) -> str:
        return self.plan["endpoints"]["prometheus"]

    def leader(self) -> str | None:
        return self.status().get("store_leader")

    def set_load(self, rate: float, attempts: int = 3) -> None:
        for attempt in range(attempts):
            try:
                self.cli("load", "set", "--rate", str(rate), timeout=60)
                return
            except (RuntimeError, subprocess.TimeoutExpired):
                if attempt == attempts - 1:
                    raise
                time.sleep(2)

    def wait_healthy(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.status()["healthy"]:
                    return
            except (RuntimeError, ValueError, KeyError):
                pass
            time.sleep(0.5)
        raise RuntimeError(f"the bench stack was not healthy within {timeout}s")

    # -- extra web instances ---------------------------------------------------------------

    def extra_web(self, name: str, *, direct_store: bool, launch: tuple[str, ...] = WEB_LAUNCH,
                  **settings: str) -> str:
        """Another web instance on a free port, its store calls direct or through the
        proxy links of web-1; returns its URL once /healthz answers. ``launch`` is what
        follows the interpreter on its command line (a variant may patch before start-up)."""
        web1 = self.component("web-1")
        if direct_store:
            stores = ",".join(self.component(s)["url"] for s in self.names("store"))
        else:
            stores = web1["env"]["GAMEDAY_WEB_STORE_ENDPOINTS"]
        port = free_port()
        env = {
            **os.environ,
            "GAMEDAY_WEB_NAME": name,
            "GAMEDAY_WEB_PORT": str(port),
            "GAMEDAY_WEB_STORE_ENDPOINTS": stores,
            **{f"GAMEDAY_WEB_{k.upper()}": v for k, v in settings.items()},
        }
        log = (self.root / f"{name}.log").open("ab")
        process = subprocess.Popen(
            [sys.executable, *launch], env=env, stdout=log, stderr=log, cwd=REPO
        )
        log.close()
        self._extra.append(process)
        url = f"http://127.0.0.1:{port}"
        self.extra_pids[url] = process.pid
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if self.http.get(f"{url}/healthz").status_code == 200:
                    return url
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"extra web instance {name} did not start (see {name}.log)")
