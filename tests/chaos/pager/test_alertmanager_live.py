"""The pager against a real Alertmanager (Debian's prometheus-alertmanager): our rendered config
passes amtool, a page-severity alert reaches the webhook with the bearer token and opens a page,
a ticket does not, the resolution resolves it, and silences go through Alertmanager's v2 API."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from datetime import UTC, datetime

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from chaos.api import pages
from chaos.pager import config
from chaos.pager.silences import Silences
from chaos.pager.store import PageStore

pytestmark = pytest.mark.stack
BINARY = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
needs_alertmanager = pytest.mark.skipif(
    BINARY is None, reason="prometheus-alertmanager is not installed (make deps installs it)")
TOKEN = "pager-test-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture
def receiver(tmp_path):
    """The controller's pager routes on a real HTTP server, as Alertmanager will call them."""
    app = FastAPI()
    app.state.token = TOKEN
    app.state.pager = PageStore(tmp_path / "pages.json")
    app.include_router(pages.router)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for(lambda: server.started, 10, "the receiver to listen")
    yield app.state.pager, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def alertmanager(tmp_path, receiver):
    store, receiver_url = receiver
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    config_file = tmp_path / "alertmanager.yml"
    config_file.write_text(config.render(receiver_url, str(token_file)))
    port = free_port()
    process = subprocess.Popen(
        [BINARY, f"--config.file={config_file}", f"--storage.path={tmp_path / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=",
         "--log.level=warn"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        try:
            return httpx.get(f"{url}/-/ready", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for(ready, 20, "Alertmanager to be ready")
        yield url, store, config_file
    finally:
        process.terminate()
        process.wait(10)


STARTED = datetime.now(UTC)


def send(url: str, severity: str, ends: datetime | None = None, name="StoreNoLeader") -> None:
    alert = {"labels": {"alertname": name, "severity": severity, "job": "store",
                        "instance": "store-2"},
             "annotations": {"summary": "store-2 has no Raft leader",
                             "runbook_url": f"docs/runbooks/{name}.md"},
             "startsAt": STARTED.isoformat()}
    if ends is not None:
        alert["endsAt"] = ends.isoformat()
    httpx.post(f"{url}/api/v2/alerts", json=[alert], timeout=5).raise_for_status()


@needs_alertmanager
def test_the_rendered_config_passes_amtool(alertmanager):
    _, _, config_file = alertmanager
    amtool = shutil.which("amtool")
    if amtool is None:
        pytest.skip("amtool is not installed")
    checked = subprocess.run([amtool, "check-config", str(config_file)], capture_output=True,
                             text=True, timeout=30)
    assert checked.returncode == 0, checked.stdout + checked.stderr


@needs_alertmanager
def test_a_page_alert_pages_resolves_and_a_ticket_does_not(alertmanager):
    url, store, _ = alertmanager
    send(url, "ticket", name="StoreQuotaNearlyFull")
    send(url, "page")
    [page] = wait_for(lambda: store.listing(open_only=True), 15, "a page to open")
    assert page.group_labels == {"alertname": "StoreNoLeader", "job": "store"}
    assert page.alerts[0].runbook_url == "docs/runbooks/StoreNoLeader.md"
    time.sleep(float(config.GROUP_WAIT.rstrip("s")) + 1)  # the ticket's group has gone out
    assert [p.group_labels["alertname"] for p in store.listing()] == ["StoreNoLeader"]

    send(url, "page", ends=datetime.now(UTC))
    wait_for(lambda: store.pages[page.id].status == "resolved", 20, "the page to resolve")


@needs_alertmanager
def test_silences_go_through_alertmanagers_own_api(alertmanager):
    url, _, _ = alertmanager
    with httpx.Client() as http:
        silences = Silences(http, url)
        silence_id = silences.add(["alertname=StoreNoLeader", "instance=~store-.*"], 300,
                                  "planned maintenance", "test")
        own = http.get(f"{url}/api/v2/silence/{silence_id}", timeout=5).json()
        assert own["status"]["state"] == "active"
        assert {(m["name"], m["value"], m["isRegex"]) for m in own["matchers"]} == {
            ("alertname", "StoreNoLeader", False), ("instance", "store-.*", True)}
        assert silence_id in {s["id"] for s in silences.listing()}
        silences.remove(silence_id)
        assert silence_id not in {s["id"] for s in silences.listing()}
