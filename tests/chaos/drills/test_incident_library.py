"""Incidents are data: every library file validates, a bad one names its line and field, and
adding an incident is adding one file."""

from __future__ import annotations

import json
import random

import pytest
from typer.testing import CliRunner

from chaos.cli import app
from chaos.drills import incidents
from chaos.drills.causes import CAUSES
from chaos.scenarios.library import LIBRARY_DIR as SCENARIOS
from chaos.scenarios.loader import ScenarioError

TOP = incidents.Topology(webs=["web-1", "web-2", "web-3"],
                         stores=["store-1", "store-2", "store-3"], leader="store-2")

MINIMAL = """\
title: A web instance is slow
difficulty: easy
cause: slow-network
pick:
  - {as: web, role: web}
faults:
  - {type: http-latency, target: web, params: {ms: 200}}
components: [web]
steady_state: [web-p99]
hints: [Latency., Per instance., "${web} is slow."]
root_cause: ${web} answers slowly.
mitigation: "`gameday drain ${web}`."
lessons: [One slow instance hurts the tier's p99.]
action_items: [Alert on per-instance latency.]
"""


def test_every_library_file_builds_for_a_stack_with_only_known_names():
    library = incidents.library()
    assert len(library) == len(list(incidents.LIBRARY_DIR.glob("*.yaml"))) >= 14
    for name, spec in library.items():
        assert spec.name == name
        if spec.based_on is not None:
            assert (SCENARIOS / f"{spec.based_on}.yaml").exists(), name
        built = incidents.CATALOG[name](TOP, random.Random(3))
        assert built.cause in CAUSES
        text = json.dumps([built.hints, built.root_cause, built.mitigation, built.title])
        assert "${" not in text, f"{name}: a template name was left unfilled"
        assert set(built.components) <= set(TOP.webs + TOP.stores)
        assert {f.target for f in built.faults} <= set(TOP.webs + TOP.stores)


def test_a_list_pick_fills_templates_joined_and_indexed():
    built = incidents.CATALOG["quorum-loss"](TOP, random.Random(0))
    down = built.components
    assert len(down) == 2 and down == sorted(down)
    assert [f.target for f in built.faults] == down
    assert f"{down[0]} and {down[1]} are down" in built.hints[2]
    assert f"gameday restart {down[0]}" in built.mitigation


def test_promql_and_route_braces_stay_literal():
    flapping = incidents.CATALOG["flapping-web"](TOP, random.Random(0))
    assert 'haproxy_server_status{state="UP"}' in flapping.hints[1]
    deploy = incidents.CATALOG["bad-deploy"](TOP, random.Random(0))
    assert "GET /kv/{key}" in deploy.root_cause


def test_a_drawn_pair_is_two_different_instances():
    for seed in range(20):
        built = incidents.CATALOG["bad-deploy-with-noise"](TOP, random.Random(seed))
        assert built.faults[0].target != built.faults[1].target


def test_an_incident_needing_more_instances_than_the_stack_has_says_so():
    small = incidents.Topology(webs=["web-1"], stores=TOP.stores, leader=None)
    with pytest.raises(ValueError, match="needs 2 web"):
        incidents.CATALOG["hung-web-with-noise"](small, random.Random(0))


def test_adding_an_incident_is_one_file(tmp_path):
    path = tmp_path / "slow-instance.yaml"
    path.write_text(MINIMAL)
    spec = incidents.load_file(path)
    built = incidents.build(spec, TOP, random.Random(1))
    assert built.name == "slow-instance" and built.hints[2] == f"{built.components[0]} is slow."
    assert built.faults[0].type == "http-latency" and built.faults[0].params == {"ms": 200}


@pytest.mark.parametrize(("change", "line", "field", "message"), [
    (("cause: slow-network", "cause: gremlins"), 3, "cause", "allowed: process-crash"),
    (("{ms: 200}", "{ms: -5}"), 7, "faults[0].params.ms", "greater than or equal to 0"),
    (("type: http-latency", "type: meteor"), 7, "faults[0]", "unknown fault type 'meteor'"),
    (("role: web}", "role: lb}"), 5, "pick[0].role", "'web' or 'store'"),
    (("components: [web]", "components: [web, db]"), 1, "", "not picked: db"),
    (("title: A web", "titel: A web"), 1, "titel", "unknown field"),
])
def test_a_bad_incident_names_its_line_and_field(tmp_path, change, line, field, message):
    path = tmp_path / "bad.yaml"
    path.write_text(MINIMAL.replace(*change))
    with pytest.raises(ScenarioError) as caught:
        incidents.load_file(path)
    problems = caught.value.problems
    assert any(p.field == field and message in p.message and p.line == line
               for p in problems), problems


def test_drill_list_shows_the_library():
    result = CliRunner().invoke(app, ["drill", "list", "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    assert {e["name"] for e in listed} == set(incidents.library())
    assert {e["difficulty"] for e in listed} == {"easy", "medium", "hard"}
