"""Scenario -> Chaos Toolkit experiment: valid for chaostoolkit-lib, faithful to the timeline."""

from __future__ import annotations

import json

import pytest
import yaml
from chaoslib.experiment import ensure_experiment_is_valid
from typer.testing import CliRunner

from chaos.cli import app
from chaos.export.chaostoolkit import to_chaostoolkit
from chaos.export.timeline import seconds_text, timeline
from chaos.scenarios import library

BUILT_INS = library.names()


def actions(experiment: dict) -> list[dict]:
    return [a for a in experiment["method"] if a["type"] == "action"]


@pytest.mark.parametrize("name", BUILT_INS)
def test_every_built_in_exports_to_a_valid_experiment(name):
    scenario = library.load(name)
    experiment = to_chaostoolkit(scenario)
    ensure_experiment_is_valid(experiment)
    probes = experiment["steady-state-hypothesis"]["probes"]
    assert [p["name"] for p in probes] == [p.name for p in scenario.steady_state]
    assert all(p["tolerance"] is True for p in probes)
    assert experiment["rollbacks"][0]["provider"]["func"] == "abort"
    assert len(actions(experiment)) == sum(step.times for step in scenario.steps)
    recovery = experiment["method"][-1]["provider"]
    assert recovery["func"] == "wait_for_steady_state"
    assert recovery["arguments"]["within"] == seconds_text(scenario.recover_within)


def starts(experiment: dict) -> list[float]:
    clock, out = 0.0, []
    for action in actions(experiment):
        clock += action.get("pauses", {}).get("before", 0)
        out.append(round(clock, 3))
    return out


def test_the_method_keeps_the_timeline():
    experiment = to_chaostoolkit(library.load("rolling-crashes"))
    assert starts(experiment) == [3, 18, 33]
    assert [a["provider"]["arguments"]["target"] for a in actions(experiment)] == [
        "web-1", "web-2", "web-3"]
    assert actions(experiment)[-1]["pauses"]["after"] == 10  # to the end of the last kill
    args = actions(experiment)[0]["provider"]["arguments"]
    assert args == {"type": "kill", "target": "web-1", "duration": "10s", "params": {}}


def test_repeats_are_expanded_with_seeded_jitter():
    scenario = library.load("flapping-instance")  # 4 x every 10s, jitter 2s, at 5s
    first = starts(to_chaostoolkit(scenario))
    assert first == starts(to_chaostoolkit(scenario))  # reproducible
    for k, start in enumerate(first):
        assert 5 + 10 * k <= start <= 5 + 10 * k + 2
    assert len(set(s - 10 * k for k, s in enumerate(first))) > 1  # jitter was drawn


def test_time_scale_shrinks_offsets_and_durations_not_recovery():
    scenario = library.load("web-instance-crash")
    half = to_chaostoolkit(scenario, time_scale=0.5)
    assert starts(half) == [1.0]
    assert actions(half)[0]["provider"]["arguments"]["duration"] == "4s"
    assert half["method"][-1]["provider"]["arguments"]["within"] == "30s"
    with pytest.raises(ValueError, match="time_scale"):
        timeline(scenario, 0)


def test_thresholds_and_what_cannot_be_exported_are_kept():
    experiment = to_chaostoolkit(library.load("store-leader-isolated"))
    by_name = {p["name"]: p["provider"]["arguments"]
               for p in experiment["steady-state-hypothesis"]["probes"]}
    assert by_name["store has a leader"]["equals"] == 1
    assert by_name["no consistency violations"]["when_missing"] == "pass"
    missing = experiment["extensions"][0]["not_exported"]
    assert any(m["what"] == "abort condition 'most requests fail'" for m in missing)
    assert any("must hold during faults" in m["what"] for m in missing)


@pytest.mark.parametrize("suffix", ["json", "yaml"])
def test_the_cli_writes_a_file_chaostoolkit_loads(tmp_path, suffix):
    out = tmp_path / f"crash.{suffix}"
    result = CliRunner().invoke(app, ["scenario", "export", "web-instance-crash",
                                      "--format", "chaostoolkit", "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    experiment = json.loads(text) if suffix == "json" else yaml.safe_load(text)
    ensure_experiment_is_valid(experiment)
    assert experiment == to_chaostoolkit(library.load("web-instance-crash"))


def test_an_unknown_scenario_exits_2():
    result = CliRunner().invoke(app, ["scenario", "export", "no-such-scenario"])
    assert result.exit_code == 2
