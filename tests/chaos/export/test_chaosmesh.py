"""Scenario -> Chaos Mesh Workflow, monkey -> Schedules: checked against the CRD model."""

from __future__ import annotations

import pytest
import yaml
from pydantic import ValidationError
from typer.testing import CliRunner

from chaos.cli import app
from chaos.export.chaosmesh import failing_when, to_workflow
from chaos.export.chaosmesh_model import Schedule, Workflow, check
from chaos.export.chaosmesh_monkey import monkey_schedules
from chaos.export.chaosmesh_targets import chaos_spec, pods
from chaos.scenarios import library
from chaos.schedules.monkey_config import MonkeyConfig


def templates(document: dict) -> dict[str, dict]:
    return {t["name"]: t for t in document["spec"]["templates"]}


@pytest.mark.parametrize("name", library.names())
def test_every_built_in_round_trips_through_the_crd_model(name):
    scenario = library.load(name)
    documents, skipped = to_workflow(scenario)
    assert len(documents) == 1
    text = yaml.safe_dump_all(documents)
    (loaded,) = yaml.safe_load_all(text)
    model = Workflow.model_validate(loaded)
    assert model.model_dump(exclude_none=True) == loaded == documents[0]
    by_name = templates(loaded)
    strikes = by_name["timeline"]["children"]
    assert len(strikes) == sum(step.times for step in scenario.steps)
    kinds = {by_name[t]["templateType"] for t in by_name}
    assert {"Serial", "Parallel", "StatusCheck"} <= kinds
    checks = [t for t in by_name.values() if t["templateType"] == "StatusCheck"]
    assert all(c["abortWithStatusCheck"] for c in checks)
    assert len([c for c in checks if c["name"].startswith("recover-")]) == len(
        scenario.steady_state)
    for item in skipped:  # everything not exported says why, in the document too
        assert item["why"].startswith(("not exported", "approximated"))
    annotations = loaded["metadata"]["annotations"]
    assert sum(v.startswith("not exported") for v in annotations.values()) == len(
        {s["what"] for s in skipped if s["why"].startswith("not exported")})


def test_offsets_become_suspends_and_durations_deadlines():
    (doc,), _ = to_workflow(library.load("rolling-crashes"))
    by_name = templates(doc)
    waits = [by_name[f"s{i}-kill-wait"]["deadline"] for i in (1, 2, 3)]
    assert waits == ["3s", "18s", "33s"]
    kill = by_name["s1-kill"]
    assert kill["deadline"] == "10s" and kill["podChaos"]["action"] == "pod-kill"
    assert kill["podChaos"]["gracePeriod"] == 0
    assert by_name["gameday-rolling-crashes"]["children"] == [
        "steady-state", "faults", "recovery"]


def test_unsupported_faults_are_listed_and_keep_their_time():
    (doc,), skipped = to_workflow(library.load("hung-instance"))
    assert [s["what"] for s in skipped] == ["freeze one web instance (pause web:random)"]
    assert "SIGSTOP" in skipped[0]["why"]
    strike = templates(doc)["s1-pause"]
    assert strike == {"name": "s1-pause", "templateType": "Suspend", "deadline": "20s"}
    assert "SIGSTOP" in doc["metadata"]["annotations"]["gameday.dev/s1-pause"]


def test_network_faults_keep_direction_and_target():
    kind, spec, _ = chaos_spec("latency", "web:all", {"to": "store", "ms": 150}, "gd")
    assert kind == "NetworkChaos" and spec["action"] == "delay"
    # latency's default direction is downstream: the store's answers to web
    assert spec["direction"] == "from"
    assert spec["target"]["selector"]["labelSelectors"]["app.kubernetes.io/component"] == "store"
    _, spec, _ = chaos_spec("loss", "lb", {"to": "web", "direction": "upstream",
                                           "probability": 0.25}, "gd")
    assert (spec["direction"], spec["loss"]["loss"]) == ("to", "25")
    _, spec, _ = chaos_spec("partition", "store-2", {"one_way": True}, "gd")
    assert spec["action"] == "partition" and spec["direction"] == "to"
    assert spec["selector"]["pods"] == {"gd": ["store-2"]}
    _, spec, _ = chaos_spec("bandwidth", "web:count=2", {"to": "store"}, "gd")
    assert (spec["mode"], spec["value"], spec["bandwidth"]["rate"]) == ("fixed", "2", "10000bps")


def test_stress_http_and_io_faults():
    assert chaos_spec("cpu-burn", "web:random", {"cores": 2, "share": 0.7}, "gd")[1][
        "stressors"] == {"cpu": {"workers": 2, "load": 70}}
    kind, spec, notes = chaos_spec("http-errors", "web:all",
                                   {"status": 503, "route": "/kv/{key}", "probability": 0.5},
                                   "gd")
    assert kind == "HTTPChaos" and spec["replace"] == {"code": 503}
    assert spec["path"] == "/kv/*" and spec["target"] == "Response"
    assert any("probability" in n for n in notes)
    kind, spec, _ = chaos_spec("slow-disk", "store:leader", {"write_iops": 20}, "gd")
    assert kind == "IOChaos" and spec["delay"] == "50ms" and spec["volumePath"]


def test_target_forms():
    assert pods("store:majority", "gd")[0]["value"] == "2"
    assert pods("web:percent=50", "gd")[0]["mode"] == "fixed-percent"
    assert pods("lb", "gd")[0]["mode"] == "all"
    selector, notes = pods("store:leader", "gd")
    assert selector["mode"] == "one" and "leader" in notes[0]


@pytest.mark.parametrize("change, message", [
    ({"unknown": 1}, "Extra inputs"),
    ({"templateType": "Serial"}, "exactly no chaos spec"),
    ({"templateType": "StressChaos"}, r"exactly \['stressChaos'\]"),
    ({"deadline": "5 parsecs"}, "Go duration"),
])
def test_the_model_refuses_what_chaos_mesh_would(change, message):
    (doc,), _ = to_workflow(library.load("web-instance-crash"))
    doc["spec"]["templates"][1].update(change)
    with pytest.raises(ValidationError, match=message):
        check(doc)


def test_the_model_checks_the_graph_and_the_specs():
    (doc,), _ = to_workflow(library.load("web-instance-crash"))
    doc["spec"]["templates"][-1]["children"].append("nowhere")
    with pytest.raises(ValidationError, match="unknown child"):
        check(doc)
    _, spec, _ = chaos_spec("latency", "web:all", {"to": "store"}, "gd")
    spec["target"]["mode"] = "fixed"
    with pytest.raises(ValidationError, match="numeric value"):
        Workflow.model_validate({"apiVersion": "chaos-mesh.org/v1alpha1", "kind": "Workflow",
                                 "metadata": {"name": "w", "namespace": "gd"},
                                 "spec": {"entry": "n", "templates": [
                                     {"name": "n", "templateType": "NetworkChaos",
                                      "deadline": "1s", "networkChaos": spec}]}})


def test_status_check_expression_shape():
    expr = failing_when("(up) == 0", "up")
    assert expr.startswith("vector(1) + on() (label_replace(((up) == 0) or on() absent(up)")
    assert expr.count("label_replace") == 2


def test_monkey_mode_becomes_schedules_with_the_same_mean_rate():
    with pytest.raises(ValidationError):
        MonkeyConfig(every="1m", faults="cpu-burn", targets="web:all")  # needs params
    config = MonkeyConfig(every="1m", faults="kill,pause,restart", targets="web:all,lb",
                          between="09:00-17:00", dry_run=True)
    documents, skipped = monkey_schedules(config)
    assert [d["metadata"]["name"] for d in documents] == [
        "monkey-kill-web-all", "monkey-kill-lb", "monkey-restart-web-all", "monkey-restart-lb"]
    for document in documents:
        Schedule.model_validate(document)
        assert document["spec"]["schedule"] == "@every 360s"  # 6 pairs x 1m
        assert document["metadata"]["annotations"]["experiment.chaos-mesh.org/pause"] == "true"
    whats = " ".join(s["what"] for s in skipped)
    assert "pause on web:all" in whats and "window 09:00-17:00" in whats


def test_the_cli_lists_what_it_did_not_export(tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["scenario", "export", "hung-instance", "-f", "chaos-mesh"])
    assert result.exit_code == 0, result.output
    assert "not exported" in result.stderr and "SIGSTOP" in result.stderr
    assert result.stdout.startswith("# NOT EXPORTED: freeze one web instance")
    check(next(yaml.safe_load_all(result.stdout)))
    monkey = tmp_path / "monkey.yaml"
    monkey.write_text("every: 2m\nfaults: kill\ntargets: store:random\n")
    out = tmp_path / "schedules.yaml"
    result = runner.invoke(app, ["scenario", "export", "--monkey", str(monkey), "-f",
                                 "chaos-mesh", "-o", str(out)])
    assert result.exit_code == 0, result.output
    (schedule,) = yaml.safe_load_all(out.read_text())
    assert schedule["spec"]["podChaos"]["action"] == "pod-kill"
    result = runner.invoke(app, ["scenario", "export", "--monkey", str(monkey)])
    assert result.exit_code == 2 and "chaos-mesh only" in result.stderr
