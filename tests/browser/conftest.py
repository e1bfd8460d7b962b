"""Headless Chromium (Playwright) driving the console of the real local stack.

The browser is Debian's /usr/bin/chromium (Playwright never downloads one here); the tests
skip, saying why, when it or Playwright is missing. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

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


@pytest.fixture
def console(browser, stack):  # browser first: skip before starting a stack
    stack.wait_healthy(timeout=60)
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(15_000)
    opened = Console(page, stack.url("controller"))
    page.on("pageerror", lambda exc: opened.errors.append(str(exc)))
    page.goto(f"{opened.url}/console")
    try:
        yield opened
    finally:
        context.close()
    assert opened.errors == [], f"JavaScript errors on the page: {opened.errors}"
