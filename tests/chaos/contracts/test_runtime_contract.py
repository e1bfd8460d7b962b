"""The same cases against `FakeRuntime` and `LocalRuntime` (real small processes), so the
fake the controller's tests run on can never accept what the real runtime refuses, nor report
a state the real one would not (a component killed without hold is `restarting`, not running).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest

from chaos.runtime.base import ProcessState
from chaos.runtime.exits import ExitKind, ExitReason
from chaos.runtime.fake import FakeRuntime
from chaos.runtime.local import LocalRuntime
from chaos.runtime.supervision import Supervisor
from chaos.stack.plan import ComponentSpec, StackPlan
from chaos.state import StateDir

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]
BACKOFF = 0.2
LATER = 3600.0  # a tick this far ahead finds every restart due


@dataclass
class Harness:
    runtime: Supervisor
    crash: Callable[[str], None]  # the process dies of SIGKILL that gameday did not send

    async def settle(self) -> None:
        """Let the supervisor notice exits, as the controller's ~200 ms ticks would."""
        for _ in range(5):
            self.runtime.tick(now=time.monotonic())
            await asyncio.sleep(0.05)

    def state(self, name: str) -> ProcessState:
        return self.runtime.status(name).state


def local_harness(tmp_path) -> Harness:
    state = StateDir(tmp_path)
    state.ensure()
    specs = [ComponentSpec(name=n, role="web", argv=SLEEPER, url="http://x", health_url="http://x")
             for n in ("a", "b")]
    plan = StackPlan(state_dir=str(tmp_path), host="127.0.0.1", cluster_token="t",
                     controller_port=1, components=specs, endpoints={}, proxy_links=[],
                     lb_admin_socket="x", admin_token="a")
    runtime = LocalRuntime(plan, state, backoff_seconds=BACKOFF)
    runtime.start_group(0)
    return Harness(runtime, lambda name: os.kill(runtime.status(name).pid, signal.SIGKILL))


def fake_harness(tmp_path) -> Harness:
    runtime = FakeRuntime({"a": "web", "b": "web"}, backoff_seconds=BACKOFF)
    return Harness(runtime, lambda name: runtime.crash(name, signal=signal.SIGKILL))


@pytest.fixture(params=["fake", "local"])
async def h(request, tmp_path) -> AsyncIterator[Harness]:
    made = (fake_harness if request.param == "fake" else local_harness)(tmp_path)
    yield made
    await made.runtime.stop_all()


async def test_every_component_starts_running_with_a_pid(h):
    statuses = {s.name: s for s in h.runtime.statuses()}
    assert set(statuses) == {"a", "b"} == set(h.runtime.enabled_names())
    for status in statuses.values():
        assert status.state is ProcessState.running and status.pid
        assert (status.restarts, status.held_down, status.exit, status.last_exit) == \
            (0, False, None, None)


@pytest.mark.parametrize("op", ["start", "stop", "kill", "restart", "pause", "resume"])
async def test_unknown_names_are_refused(h, op):
    with pytest.raises(KeyError, match="nope"):
        await getattr(h.runtime, op)("nope")
    with pytest.raises(KeyError):
        h.runtime.status("nope")


async def test_a_held_stop_stays_down_until_started(h):
    await h.runtime.stop("a", hold=True)
    status = h.runtime.status("a")
    assert (status.state, status.pid, status.held_down, status.last_exit) == \
        (ProcessState.stopped, None, True, "stopped")
    h.runtime.tick(now=time.monotonic() + LATER)
    assert h.state("a") is ProcessState.stopped and h.state("b") is ProcessState.running
    await h.runtime.start("a")
    status = h.runtime.status("a")
    assert status.state is ProcessState.running and status.pid and not status.held_down


async def test_a_plain_stop_is_not_held_and_not_restarted(h):
    await h.runtime.stop("a", hold=False)
    h.runtime.tick(now=time.monotonic() + LATER)
    status = h.runtime.status("a")
    assert (status.state, status.held_down) == (ProcessState.stopped, False)


async def test_a_faults_stop_records_its_cause_and_the_exit_it_saw(h):
    await h.runtime.stop("a", hold=True, cause=ExitKind.fault_stop)
    exit = h.runtime.status("a").exit
    assert exit.kind is ExitKind.fault_stop and exit.by_fault
    # python dies of the SIGTERM it does not handle
    assert exit.as_observed() == ExitReason.observed(signal=signal.SIGTERM)
    assert h.runtime.status("a").last_exit == "stopped (fault)"


async def test_a_kill_without_hold_is_restarting_until_its_backoff_then_runs_again(h):
    first = h.runtime.status("a").pid
    await h.runtime.kill("a")
    status = h.runtime.status("a")
    assert (status.state, status.pid, status.held_down) == (ProcessState.restarting, None, False)
    assert status.exit == ExitReason(kind=ExitKind.fault_kill, signal=signal.SIGKILL)
    assert status.last_exit == "killed by SIGKILL (fault)"
    h.runtime.tick(now=time.monotonic())  # not due yet
    assert h.state("a") is ProcessState.restarting
    h.runtime.tick(now=time.monotonic() + BACKOFF + 0.01)
    status = h.runtime.status("a")
    assert status.state is ProcessState.running and status.restarts == 1
    assert status.pid not in (None, first)


async def test_a_kill_with_hold_stays_down_until_started(h):
    await h.runtime.kill("a", hold=True)
    h.runtime.tick(now=time.monotonic() + LATER)
    status = h.runtime.status("a")
    assert (status.state, status.held_down, status.restarts) == (ProcessState.stopped, True, 0)
    await h.runtime.start("a")
    assert h.state("a") is ProcessState.running and not h.runtime.status("a").held_down


async def test_killing_what_is_not_running_records_no_new_exit(h):
    await h.runtime.stop("a", hold=True)
    await h.runtime.kill("a", hold=True)
    assert h.runtime.status("a").last_exit == "stopped"


async def test_a_crash_is_restarted_and_reads_as_what_was_observed(h):
    h.crash("a")
    await h.settle()
    status = h.runtime.status("a")
    assert status.exit == ExitReason(kind=ExitKind.crash, signal=signal.SIGKILL)
    assert status.last_exit == "terminated by signal 9"
    assert status.state in (ProcessState.restarting, ProcessState.running)
    h.runtime.tick(now=time.monotonic() + LATER)
    assert h.state("a") is ProcessState.running and h.runtime.status("a").restarts == 1


async def test_restart_gives_a_new_process_without_counting_a_restart(h):
    first = h.runtime.status("a").pid
    await h.runtime.restart("a")
    status = h.runtime.status("a")
    assert status.state is ProcessState.running and status.pid not in (None, first)
    assert status.restarts == 0 and status.last_exit == "stopped"


async def test_restart_lifts_a_hold(h):
    await h.runtime.stop("a", hold=True)
    await h.runtime.restart("a")
    assert h.state("a") is ProcessState.running and not h.runtime.status("a").held_down


async def test_pause_and_resume_keep_the_process(h):
    pid = h.runtime.status("a").pid
    await h.runtime.pause("a")
    assert h.runtime.status("a").state is ProcessState.paused and h.runtime.status("a").pid == pid
    await h.runtime.resume("a")
    assert h.runtime.status("a").state is ProcessState.running and h.runtime.status("a").pid == pid
    await h.runtime.resume("a")  # resuming what runs is harmless
    assert h.state("a") is ProcessState.running


async def test_what_is_not_running_cannot_be_paused(h):
    await h.runtime.stop("a", hold=True)
    with pytest.raises(RuntimeError, match="not running"):
        await h.runtime.pause("a")
    assert h.state("a") is ProcessState.stopped


async def test_stopping_a_paused_component_stops_it(h):
    await h.runtime.pause("a")
    await h.runtime.stop("a", hold=True)
    assert h.state("a") is ProcessState.stopped


async def test_stop_all_stops_everything_for_good(h):
    await h.runtime.stop_all()
    h.runtime.tick(now=time.monotonic() + LATER)
    assert {s.state for s in h.runtime.statuses()} == {ProcessState.stopped}
