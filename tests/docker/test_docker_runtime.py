"""The Docker runtime's supervision against a fake Engine API (no Docker needed)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chaos.runtime import docker as docker_runtime
from chaos.runtime.base import ProcessState
from chaos.runtime.docker import DockerRuntime
from chaos.runtime.docker_plan import build_compose_plan
from chaos.state import StateDir


class FakeContainer:
    def __init__(self, engine: FakeEngine, cid: str) -> None:
        self.engine, self.id = engine, cid

    @property
    def status(self) -> str:
        return self.engine.state[self.id]

    def reload(self) -> None:
        pass

    def start(self) -> None:
        self.engine.calls.append(("start", self.id))
        self.engine.set(self.id, "running")

    def stop(self, timeout: int = 10) -> None:
        self.engine.calls.append(("stop", self.id))
        self.engine.set(self.id, "exited")

    def kill(self, signal: str = "SIGKILL") -> None:
        self.engine.calls.append(("kill", self.id))
        self.engine.set(self.id, "exited", code=137)

    def restart(self, timeout: int = 10) -> None:
        self.engine.calls.append(("restart", self.id))
        self.engine.set(self.id, "running")

    def pause(self) -> None:
        self.engine.calls.append(("pause", self.id))
        self.engine.set(self.id, "paused")

    def unpause(self) -> None:
        self.engine.calls.append(("unpause", self.id))
        self.engine.set(self.id, "running")


def docker_time(timestamp: float) -> str:
    """Docker's RFC 3339 with nanoseconds."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f123Z")


class FakeEngine:
    """Just enough of docker.DockerClient: containers.get and api.containers/inspect."""

    def __init__(self, services: list[str]) -> None:
        self.state = {f"id-{s}": "running" for s in services}
        self.service = {f"id-{s}": s for s in services}
        self.pid = {f"id-{s}": 1000 + i for i, s in enumerate(services)}
        self.code = {cid: 0 for cid in self.state}
        self.started = {cid: time.time() for cid in self.state}
        self.calls: list[tuple[str, str]] = []
        # client.api.containers(...) lists (a call); client.containers.get(...) fetches one.
        self.api = self
        self.containers = self

    def set(self, cid: str, state: str, code: int = 0) -> None:
        was_up = self.state[cid] in ("running", "paused")
        self.state[cid] = state
        self.code[cid] = code
        if state == "running" and not was_up:
            self.pid[cid] += 100
            self.started[cid] = time.time()

    # docker.DockerClient.containers.get
    def get(self, cid: str) -> FakeContainer:
        return FakeContainer(self, cid)

    # docker.APIClient.containers / inspect_container (the api and containers share self)
    def __call__(self, all: bool = True, filters: dict | None = None) -> list[dict]:  # noqa: A002
        return [{"Id": cid, "State": "running" if st == "paused" else st,
                 "Labels": {"com.docker.compose.project": "p",
                            "com.docker.compose.service": self.service[cid]}}
                for cid, st in self.state.items()]

    def inspect_container(self, cid: str) -> dict:
        st = self.state[cid]
        return {"State": {"Running": st in ("running", "paused"), "Paused": st == "paused",
                          "Pid": self.pid[cid] if st in ("running", "paused") else 0,
                          "StartedAt": docker_time(self.started[cid]),
                          "ExitCode": self.code[cid], "OOMKilled": False},
                "NetworkSettings": {"Networks": {"p_default": {"IPAddress": "10.0.0.5"}}}}


@pytest.fixture()
def runtime(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(docker_runtime, "netem_available", lambda: False)
    monkeypatch.setattr(docker_runtime, "nsenter_available", lambda: True)
    monkeypatch.setattr(docker_runtime, "probe_netns_iptables", lambda pid: True)
    plan = build_compose_plan(tmp_path, admin_token="t")
    engine = FakeEngine(plan.names())

    class Client:
        api = engine
        containers = type("C", (), {"get": staticmethod(engine.get)})()

    rt = DockerRuntime(plan, StateDir(tmp_path), Client(), "p", backoff_seconds=0.05,
                       release_dir=tmp_path / "release")
    rt.engine = engine
    return rt


def state_of(rt: DockerRuntime, name: str) -> ProcessState:
    return rt.status(name).state


async def supervise(rt: DockerRuntime, seconds: float) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        rt._last_poll = 0
        await rt._supervise(0)
        await asyncio.sleep(0.02)


async def test_statuses_and_capabilities(runtime):
    assert {s.name for s in runtime.statuses()} == set(runtime.plan.names())
    assert all(s.state is ProcessState.running for s in runtime.statuses())
    assert "netns-iptables" in runtime.capabilities() and "netem" not in runtime.capabilities()


async def test_kill_is_followed_by_a_restart(runtime):
    pid = runtime.status("web-2").pid
    await runtime.kill("web-2")
    assert runtime.status("web-2").last_exit == "killed by SIGKILL (fault)"
    await supervise(runtime, 0.3)
    status = runtime.status("web-2")
    assert status.state is ProcessState.running and status.restarts == 1 and status.pid != pid


async def test_kill_with_hold_and_stop_stay_down_until_start(runtime):
    await runtime.kill("web-1", hold=True)
    await runtime.stop("store-2", hold=True)
    await supervise(runtime, 0.3)
    assert state_of(runtime, "web-1") is ProcessState.stopped
    assert state_of(runtime, "store-2") is ProcessState.stopped
    assert runtime.status("store-2").held_down
    await runtime.start("store-2")
    assert state_of(runtime, "store-2") is ProcessState.running


async def test_a_crash_is_restarted(runtime):
    runtime.engine.set("id-web-3", "exited", code=1)
    await supervise(runtime, 0.3)
    status = runtime.status("web-3")
    assert status.state is ProcessState.running and status.restarts == 1


async def test_pause_resume_and_leftover_cleanup(runtime, monkeypatch):
    await runtime.pause("web-3")
    assert state_of(runtime, "web-3") is ProcessState.paused
    cleaned: list[str] = []
    monkeypatch.setattr(docker_runtime.NetControl, "cleanup",
                        lambda self, name: cleaned.append(name) or True)
    monkeypatch.setattr(docker_runtime.NetControl, "rules_in", staticmethod(lambda pid: []))
    adopted = runtime.adopt_or_none({})
    assert state_of(runtime, "web-3") is ProcessState.running
    assert set(adopted) == set(runtime.plan.names())
    assert set(cleaned) == set(runtime.plan.names())


async def test_bad_deploy_writes_a_release_file_and_restarts(runtime):
    await runtime.restart("web-1", env={"GAMEDAY_WEB_RELEASE": "2.0.0-rc1"})
    release = runtime.release_dir / "web-1.env"
    assert release.read_text() == "GAMEDAY_WEB_RELEASE='2.0.0-rc1'\n"
    assert ("restart", "id-web-1") in runtime.engine.calls
    await runtime.restart("web-1", env={})
    assert release.read_text() == ""


async def test_a_crash_names_its_exit_code_and_a_crash_loop_backs_off(runtime):
    runtime.engine.set("id-web-3", "exited", code=3)
    await supervise(runtime, 0.02)
    assert runtime.status("web-3").last_exit == "exited with code 3"
    first = runtime.units["web-3"].supervision.backoff
    await supervise(runtime, 0.3)
    runtime.engine.set("id-web-3", "exited", code=3)  # again, at once: a crash loop
    await supervise(runtime, 0.02)
    assert runtime.units["web-3"].supervision.backoff == 2 * first


async def test_a_container_started_by_someone_else_is_supervised_again(runtime):
    runtime.engine.set("id-web-2", "exited", code=1)
    await supervise(runtime, 0.02)
    assert state_of(runtime, "web-2") is ProcessState.restarting
    runtime.engine.set("id-web-2", "running")  # `docker start` by hand, before our backoff
    await supervise(runtime, 0.02)
    assert state_of(runtime, "web-2") is ProcessState.running
    await asyncio.sleep(0.2)  # well past the backoff that was pending when it was started
    runtime.engine.set("id-web-2", "exited", code=1)
    await supervise(runtime, 0.02)
    assert state_of(runtime, "web-2") is ProcessState.restarting  # after a backoff, as before
    await supervise(runtime, 0.5)
    status = runtime.status("web-2")
    assert status.state is ProcessState.running and status.restarts == 1


async def test_a_scaled_in_slot_is_not_started_with_its_group(runtime):
    runtime.engine.set("id-web-3", "exited")
    runtime.engine.set("id-web-2", "exited")
    runtime.set_enabled("web-3", False)  # apply_saved_scale after `gameday scale web=2`
    started = runtime.start_group(runtime.units["web-3"].start_group)
    assert "web-2" in started and "web-3" not in started
    assert runtime.engine.state["id-web-3"] == "exited"
