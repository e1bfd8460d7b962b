"""What the controller tells Prometheus to scrape follows the web instances in the stack."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from chaos.controller.service import Controller
from chaos.runtime.docker_plan import build_compose_plan
from chaos.runtime.fake import FakeRuntime
from chaos.settings import Settings
from chaos.stack.plan import build_plan
from chaos.state import StateDir


def runtime_of(plan, webs: list[str]) -> FakeRuntime:
    names = {c.name: c.role for c in plan.components if c.role != "web" or c.name in webs}
    return FakeRuntime(names)


def test_local_the_whole_config_lists_only_the_web_instances_in_the_stack(tmp_path: Path):
    state = StateDir(tmp_path)
    plan = build_plan(Settings(state_dir=tmp_path, ports="free", web_instances=3))
    Controller(plan, state, runtime_of(plan, ["web-1", "web-2"])).write_prometheus_config()
    config = yaml.safe_load((state.component_dir("prometheus") / "prometheus.yml").read_text())
    (web,) = [job for job in config["scrape_configs"] if job["job_name"] == "web"]
    assert [t["labels"]["instance"] for t in web["static_configs"]] == ["web-1", "web-2"]


def test_compose_the_web_job_file_is_rewritten_and_the_config_left_alone(tmp_path: Path):
    state = StateDir(tmp_path / "state")
    targets = tmp_path / "targets"
    plan = build_compose_plan(state.root, admin_token="t").model_copy(
        update={"scrape_targets_dir": str(targets)})
    controller = Controller(plan, state, runtime_of(plan, ["web-1", "web-2", "web-3"]))
    controller.write_prometheus_config()
    assert len(json.loads((targets / "web.json").read_text())) == 3
    controller.runtime = runtime_of(plan, ["web-1"])  # after `gameday scale web=1`
    controller.write_prometheus_config()
    assert json.loads((targets / "web.json").read_text()) == [
        {"targets": ["web-1:8000"], "labels": {"instance": "web-1"}}]
    assert not (state.component_dir("prometheus") / "prometheus.yml").exists()
