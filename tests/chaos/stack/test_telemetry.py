"""Web instances and the load generator are told where to export their spans: the
controller's receiver."""

from __future__ import annotations

from chaos.settings import Settings
from chaos.stack.plan import build_plan
from chaos.stack.telemetry import telemetry_env


def test_web_instances_export_to_the_controllers_receiver_and_others_do_not(tmp_path):
    plan = build_plan(Settings(state_dir=tmp_path, ports="free"))
    web = plan.component("web-1")
    assert telemetry_env(plan, web) == {
        "GAMEDAY_WEB_TRACES_ENDPOINT": f"{plan.controller_url}/v1/traces"}
    assert telemetry_env(plan, plan.component("loadgen")) == {
        "GAMEDAY_LOADGEN_TRACES_ENDPOINT": f"{plan.controller_url}/v1/traces"}
    assert telemetry_env(plan, plan.component("store-1")) == {}
