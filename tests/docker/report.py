"""What the Compose checks (tests/docker/e2e.py, tests/docker/matrix.py) share: waiting for
a condition with a deadline, and one PASS/FAIL line per check with its time, as
.ci/docker-e2e prints them."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


def wait_for(what: str, check: Callable[[], object], timeout: float,
             interval: float = 0.5) -> object:
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except Exception as exc:  # noqa: BLE001 - retried until the deadline
            last_error = exc
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}"
                         + (f" (last error: {last_error})" if last_error else ""))


@dataclass
class Report:
    failed: int = 0
    passed: int = 0

    def check(self, name: str, fn: Callable[[], str | None]) -> bool:
        started = time.monotonic()
        try:
            detail = fn() or ""
        except Exception as exc:  # noqa: BLE001 - every failure is reported, then we go on
            self.failed += 1
            print(f"FAIL {name} ({time.monotonic() - started:.1f}s): {exc}", flush=True)
            return False
        self.passed += 1
        print(f"PASS {name} ({time.monotonic() - started:.1f}s) {detail}".rstrip(), flush=True)
        return True
