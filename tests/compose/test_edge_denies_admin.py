"""The public HAProxy frontend refuses the web instances' /admin API, in both runtimes.

The rules run in a real HAProxy: the rendered local config as is, and the Compose config with
its Docker-only addresses swapped for free local ones. No web instance runs behind them, so a
path the edge lets through answers 503 (no server), and a denied one 403.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from chaos.settings import Settings
from chaos.stack import haproxy
from chaos.stack.plan import build_plan
from chaos.stack.ports import pick_free_port

COMPOSE_CFG = Path(__file__).resolve().parents[2] / "compose" / "haproxy" / "haproxy.compose.cfg"
DENY = re.compile(r"^\s*http-request deny deny_status 403 if .*admin", re.M)

pytestmark = pytest.mark.skipif(shutil.which("haproxy") is None, reason="haproxy not installed")

DENIED = ["/admin", "/admin/faults", "/admin/faults/f-1", "/%61dmin/faults", "//admin/faults",
          "/ADMIN/faults", "/admin/faults?x=1"]
ALLOWED = ["/kv/a", "/readyz", "/administrators-guide"]


def run_haproxy(config: Path):
    check = subprocess.run(["haproxy", "-c", "-f", str(config)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    return subprocess.Popen(["haproxy", "-db", "-f", str(config)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_listening(client: httpx.Client, url: str) -> None:
    deadline = time.monotonic() + 5
    while True:
        try:
            client.get(url, timeout=0.5)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def assert_edge(base: str) -> None:
    with httpx.Client(timeout=3) as client:  # one client: building one costs ~0.5 s here
        wait_listening(client, base + "/readyz")
        for method in ("GET", "POST", "DELETE"):
            for path in DENIED:
                response = client.request(method, base + path)
                assert response.status_code == 403, (method, path, response.status_code)
        for path in ALLOWED:
            assert client.get(base + path).status_code == 503, path


def test_the_rendered_local_config_denies_admin_at_the_edge(tmp_path):
    plan = build_plan(Settings(state_dir=tmp_path, ports="free", web_instances=3))
    Path(plan.lb_admin_socket).parent.mkdir(parents=True, exist_ok=True)
    config = tmp_path / "haproxy.cfg"
    config.write_text(haproxy.render(plan))
    assert DENY.search(config.read_text())
    process = run_haproxy(config)
    try:
        assert_edge(plan.endpoints["api"].rstrip("/"))
    finally:
        process.terminate()
        process.wait(5)


def test_the_compose_config_denies_admin_at_the_edge(tmp_path):
    text = COMPOSE_CFG.read_text()
    assert DENY.search(text)
    # The same rule as the local runtime's, word for word.
    rendered = haproxy.render(build_plan(Settings(state_dir=tmp_path, ports="free")))
    assert DENY.search(text).group(0).strip() in rendered
    port = pick_free_port("127.0.0.1")
    local = (text.replace("/var/lib/haproxy/admin.sock", str(tmp_path / "admin.sock"))
                 .replace("bind 0.0.0.0:8080", f"bind 127.0.0.1:{port}")
                 .replace("bind 0.0.0.0:8404", f"bind 127.0.0.1:{pick_free_port('127.0.0.1')}"))
    local = re.sub(r"proxy:1000\d", lambda _: f"127.0.0.1:{pick_free_port('127.0.0.1')}", local)
    config = tmp_path / "haproxy.cfg"
    config.write_text(local)
    process = run_haproxy(config)
    try:
        assert_edge(f"http://127.0.0.1:{port}")
    finally:
        process.terminate()
        process.wait(5)
