"""Headless Chromium (Playwright) driving the console: of the real local stack (`console`,
marked `stack`), or of the fake controller served over HTTP with no processes (`fake_console`).

The browser is Debian's /usr/bin/chromium (Playwright never downloads one here); the tests
skip, saying why, when it or Playwright is missing. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import uvicorn
from prometheus_client import CollectorRegistry

from chaos.api.app import create_app
from chaos.testing.controller import FakeController

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
VIEWPORT = {"width": 1440, "height": 1000}


# Module scope, not session: Playwright's sync API runs an event loop in the main thread for
# as long as it is open, and every async test after it would fail to start its own loop.
@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium); "
                    "the console's browser tests need a real headless browser")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright for Python is missing: pip install -e '.[test]'"
    )
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Console:
    """The console page of a stack, plus what the page reported while the test ran."""

    page: object
    url: str
    errors: list[str] = field(default_factory=list)

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


def open_console(browser, url: str, timeout_ms: int) -> Iterator[Console]:
    """The console page at `url` in a fresh browser context; after the test, fails it on any
    JavaScript error the page raised."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(timeout_ms)
    opened = Console(page, url)
    page.on("pageerror", lambda exc: opened.errors.append(str(exc)))
    page.goto(f"{opened.url}/console")
    try:
        yield opened
    finally:
        context.close()
    assert opened.errors == [], f"JavaScript errors on the page: {opened.errors}"


@pytest.fixture
def console(browser, stack):  # browser first: skip before starting a stack
    stack.wait_healthy(timeout=60)
    yield from open_console(browser, stack.url("controller"), 15_000)


TOKEN = "browser-s3cret"


@dataclass
class FakeStack:
    """The controller's real app over `FakeController`, served over HTTP on 127.0.0.1 from a
    thread of its own (its event loop runs the fault manager's timers and the drills)."""

    url: str
    controller: FakeController
    http: httpx.Client  # with the controller's token


@pytest.fixture
def fake_stack(tmp_path):
    """No processes: the console and the API of a FakeController (chaos/testing/controller.py),
    for browser tests of what the page does with what the API answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    ready = threading.Event()
    served: dict = {}

    async def serve() -> None:
        controller = FakeController(tmp_path)
        app = create_app(controller, TOKEN, registry=CollectorRegistry())
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        served.update(controller=controller, server=server)
        ready.set()
        try:
            await server.serve(sockets=[sock])
        finally:
            await controller.close()

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    assert ready.wait(10), "the fake controller did not start"
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"},
                      timeout=10) as http:
        deadline = time.monotonic() + 10
        while not served["server"].started:
            assert time.monotonic() < deadline, "the fake controller does not answer"
            time.sleep(0.05)
        yield FakeStack(url, served["controller"], http)
    served["server"].should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture
def fake_console(browser, fake_stack):
    """The console page of `fake_stack`."""
    yield from open_console(browser, fake_stack.url, 10_000)
