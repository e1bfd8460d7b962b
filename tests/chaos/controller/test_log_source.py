"""Which log source the controller's composition root gives it: under Compose the containers'
logs through the Docker Engine API, named like the runtime's units (and the controller's own);
locally the file tailer."""

from __future__ import annotations

from pathlib import Path

from chaos.controller.__main__ import container_logs
from chaos.controller.service import Controller
from chaos.logs.docker_source import DockerLogSource
from chaos.logs.ingest import LogIngester
from chaos.runtime.docker_plan import build_compose_plan
from chaos.runtime.fake import FakeRuntime
from chaos.state import StateDir
from tests.chaos.logs.test_docker_source import FakeApi


class DockerishRuntime(FakeRuntime):
    def __init__(self, plan) -> None:
        super().__init__({c.name: c.role for c in plan.components})
        self.project = "gameday"


def test_under_compose_the_controller_follows_the_stacks_containers(tmp_path: Path):
    state = StateDir(tmp_path)
    plan = build_compose_plan(state.root, admin_token="t")
    api = FakeApi(hold=True)  # streams stay open, as Docker's do while a container runs
    api.run("c-ctl", "controller")
    api.run("c-web", "web-3")
    api.run("c-jaeger", "jaeger")  # in the project, not a component of the stack
    runtime = DockerishRuntime(plan)
    controller = Controller(plan, state, runtime, log_source=container_logs(runtime, plan, api))
    source = controller.log_ingester
    assert isinstance(source, DockerLogSource)
    assert source.store is controller.logs
    source.poll()
    try:
        assert sorted(source.following().values()) == ["controller", "web-3"]
    finally:
        source.close()
        controller.logs.close()


def test_locally_the_controller_tails_the_log_files(tmp_path: Path):
    state = StateDir(tmp_path)
    plan = build_compose_plan(state.root, admin_token="t")
    controller = Controller(plan, state, FakeRuntime({c.name: c.role for c in plan.components}))
    assert isinstance(controller.log_ingester, LogIngester)
    assert controller.log_ingester.directory == state.logs
    controller.logs.close()
