"""The supervisor with real, tiny processes: restart, hold-down, pause, OOM kill, adoption."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time

import pytest

from chaos.runtime.base import ProcessState
from chaos.runtime.exits import ExitKind, ExitReason
from chaos.runtime.local import LocalRuntime
from chaos.stack.plan import ComponentSpec, StackPlan
from chaos.state import StateDir

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]
HOG = [sys.executable, "-c", "import time; x = bytearray(80 * 1024 * 1024); time.sleep(60)"]


def plan_of(*specs: ComponentSpec, state: StateDir) -> StackPlan:
    return StackPlan(
        state_dir=str(state.root),
        host="127.0.0.1",
        cluster_token="t",
        controller_port=1,
        components=list(specs),
        endpoints={},
        proxy_links=[],
        lb_admin_socket="x",
        admin_token="a",
    )


def spec(name: str, argv=SLEEPER, memory_limit_mb=None) -> ComponentSpec:
    return ComponentSpec(
        name=name,
        role="web",
        argv=argv,
        url="http://x",
        health_url="http://x",
        memory_limit_mb=memory_limit_mb,
    )


@pytest.fixture
def runtime(tmp_path):
    state = StateDir(tmp_path)
    state.ensure()
    made = LocalRuntime(plan_of(spec("a"), spec("b"), state=state), state, backoff_seconds=0.2)
    yield made
    asyncio.run(made.stop_all())


async def tick_until(runtime, predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runtime.tick()
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached")


async def test_a_crashed_process_is_restarted_after_its_backoff(runtime):
    runtime.start_group(0)
    first = runtime.status("a").pid
    os.kill(first, signal.SIGKILL)
    await tick_until(runtime, lambda: runtime.status("a").state is ProcessState.restarting)
    await tick_until(runtime, lambda: runtime.status("a").pid not in (None, first))
    status = runtime.status("a")
    assert status.state is ProcessState.running and status.restarts == 1
    assert status.exit == ExitReason(kind=ExitKind.crash, signal=signal.SIGKILL)
    assert status.last_exit == "terminated by signal 9"


async def test_kill_with_hold_stays_down_until_started(runtime):
    runtime.start_group(0)
    await runtime.kill("a", hold=True)
    for _ in range(10):
        runtime.tick()
        await asyncio.sleep(0.05)
    assert runtime.status("a").state is ProcessState.stopped
    await runtime.start("a")
    assert runtime.status("a").state is ProcessState.running


async def test_a_kill_is_the_faults_even_when_the_supervisor_sees_the_death_first(runtime):
    """The supervisor ticks every 200 ms on the same loop while kill() waits for the process
    to be gone: its tick must not record the death as an observed crash first (the reveal of
    a drill, and the events, would then say "terminated by signal 9", not the fault)."""
    runtime.start_group(0)
    loop = asyncio.get_running_loop()
    ticking = True

    def tick_often() -> None:
        runtime.tick()
        if ticking:
            loop.call_later(0.001, tick_often)

    tick_often()
    try:
        await runtime.kill("a", hold=True)
    finally:
        ticking = False
    status = runtime.status("a")
    assert status.exit == ExitReason(kind=ExitKind.fault_kill, signal=signal.SIGKILL)
    assert status.last_exit == "killed by SIGKILL (fault)"
    assert status.state is ProcessState.stopped and status.restarts == 0


async def test_pause_freezes_and_resume_thaws(runtime):
    runtime.start_group(0)
    await runtime.pause("b")
    await tick_until(runtime, lambda: runtime.status("b").state is ProcessState.paused)
    await runtime.resume("b")
    assert runtime.status("b").state is ProcessState.running


async def test_a_process_over_its_memory_limit_is_oom_killed_and_restarted(tmp_path):
    state = StateDir(tmp_path)
    state.ensure()
    runtime = LocalRuntime(
        plan_of(spec("hog", HOG, memory_limit_mb=64), state=state), state, backoff_seconds=0.2
    )
    try:
        runtime.start_group(0)
        first = runtime.status("hog").pid
        await tick_until(runtime, lambda: runtime.oom_kills.get("hog") == 1, timeout=10)
        assert "OOM" in runtime.status("hog").last_exit
        await tick_until(runtime, lambda: runtime.status("hog").pid not in (None, first))
    finally:
        await runtime.stop_all()


async def test_a_new_supervisor_adopts_running_processes(runtime):
    runtime.start_group(0)
    records = runtime.process_records()
    successor = LocalRuntime(runtime.plan, runtime.state, backoff_seconds=0.2)
    assert sorted(successor.adopt_or_none(records)) == ["a", "b"]
    assert successor.status("a").pid == runtime.status("a").pid
    # Adopted processes are watched too: kill one and the successor restarts it.
    os.kill(records["a"]["pid"], signal.SIGKILL)
    await tick_until(
        successor, lambda: successor.status("a").pid not in (None, records["a"]["pid"])
    )
    await successor.stop_all()


def test_adoption_refuses_a_reused_pid(runtime):
    assert runtime.adopt_or_none({"a": {"pid": os.getpid(), "create_time": 1.0}}) == []


async def test_stop_all_leaves_nothing_running(runtime):
    runtime.start_group(0)
    pids = [s.pid for s in runtime.statuses()]
    await runtime.stop_all()
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
