"""Rollback is guaranteed: deadlines, the CLI flow, and a controller SIGKILLed mid-fault."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import httpx
import psutil
import pytest

from chaos.cli.client import controller_pid
from tests.integration.stackctl import FaultDriver

pytestmark = pytest.mark.stack


def test_inject_from_the_cli_shows_target_and_deadline_then_reverts_itself(stack):
    stack.wait_healthy()
    out = stack.cli("inject", "pause", "web:random", "--duration", "10s", "--json").stdout
    fault = json.loads(out)
    listed = json.loads(stack.cli("faults", "--json").stdout)
    shown = next(f for f in listed if f["id"] == fault["id"])
    assert shown["state"] == "active" and shown["targets"] == fault["targets"]
    assert shown["deadline"] == pytest.approx(shown["created_at"] + 10, abs=1)
    target = fault["targets"][0]
    assert stack.component(target)["state"] == "paused"
    stack.wait_for(
        lambda: json.loads(stack.cli("faults", "--json", "--active").stdout) == [],
        timeout=15,
        what="the fault to expire",
    )
    stack.wait_for(lambda: stack.component(target)["health"] == "healthy", timeout=10)


def test_a_sigkilled_controller_is_cleaned_up_after_by_the_next_one(stack):
    stack.wait_healthy()
    driver = FaultDriver(stack)
    paused = driver.inject("pause", "web-1", duration="10m")
    driver.inject("partition", "store:leader", duration="10m")
    driver.inject("latency", "web-2", ms=500, to="store", duration="10m")
    assert len(driver.proxy_faults()) == 2
    os.kill(controller_pid(stack.state), signal.SIGKILL)
    time.sleep(0.5)
    assert stack.status()["phase"] == "controller-down"
    api = stack.url("api")
    frozen = psutil.Process(paused_pid := stack.component("web-1")["pid"])
    assert frozen.status() == psutil.STATUS_STOPPED  # the crash left it frozen

    t0 = time.monotonic()
    restarting = subprocess.Popen(
        [sys.executable, "-m", "chaos.cli", "up", "--runtime", "local", "--rate", "20"],
        env=stack.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        stack.wait_for(
            lambda: driver_ready(driver),
            timeout=5,
            interval=0.1,
            what="the new controller to answer with no proxy fault left",
        )
        stack.wait_for(
            lambda: psutil.Process(paused_pid).status() != psutil.STATUS_STOPPED,
            timeout=5,
            interval=0.1,
            what="the paused instance to be resumed",
        )
        stack.wait_for(
            lambda: (
                httpx.put(f"{api}/kv/test/after-crash", json={"value": "ok"}, timeout=1).status_code
                == 200
            ),
            timeout=5,
            interval=0.1,
        )
        assert time.monotonic() - t0 < 6  # 5 s, plus the new controller's own start
    finally:
        restarting.wait(120)
    stack.wait_healthy()
    assert paused["id"] in {f["id"] for f in driver.stack.controller.get("/api/faults")}


def driver_ready(driver: FaultDriver) -> bool:
    try:
        return driver.proxy_faults() == [] and driver.active() == []
    except Exception:  # noqa: BLE001 - the controller may still be starting
        return False
