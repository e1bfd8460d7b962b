"""The monkey on the real stack: it strikes, keeps its limit, logs, and stops clean."""

from __future__ import annotations

import json
import time

import pytest

from tests.integration.stackctl import FaultDriver

pytestmark = pytest.mark.stack


def test_monkey_pauses_web_instances_one_at_a_time_and_stops_clean(stack):
    stack.wait_healthy(timeout=60)
    driver = FaultDriver(stack)
    started = stack.cli(
        "monkey",
        "--every",
        "2s",
        "--faults",
        "pause",
        "--targets",
        "web:all",
        "--max-concurrent",
        "1",
        "--duration",
        "3s",
        "--seed",
        "7",
    )
    assert "next strike at" in started.stdout
    try:
        most_at_once, seen = 0, set()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            active = driver.active()
            most_at_once = max(most_at_once, len(active))
            seen |= {f["id"] for f in active}
            time.sleep(0.2)
        status = json.loads(stack.cli("monkey", "status", "--json").stdout)
    finally:
        stack.cli("monkey", "stop")
    fired = [d for d in status["decisions"] if d["action"] == "fired"]
    assert len(fired) >= 2, status["decisions"]
    assert most_at_once <= 1
    assert {d["fault_id"] for d in fired} >= seen
    # With 2 s between strikes and 3 s faults, some strikes find the slot taken.
    assert any(d["reason"] == "max-concurrent" for d in status["decisions"])
    assert all(d["fault"] == "pause" and d["target"].startswith("web-") for d in fired)
    assert driver.active() == []
    assert json.loads(stack.cli("monkey", "status", "--json").stdout)["state"]["running"] is False
    stack.wait_healthy(timeout=60)
