"""Scenario files: every built-in is valid, and bad input names its line and field."""

from __future__ import annotations

import textwrap

import pytest
from typer.testing import CliRunner

from chaos.cli import app
from chaos.scenarios import library
from chaos.scenarios.loader import ScenarioError, load_file, parse

GOOD = """\
title: t
description: d
difficulty: easy
steady_state:
  - name: errors
    query: job:http_errors:ratio_rate15s
    below: 0.01
steps:
  - at: 1s
    type: kill
    target: web:random
    duration: 5s
recover_within: 10s
expected_signals: [nothing much]
"""


def problems(text: str) -> list[tuple[int | None, str, str]]:
    with pytest.raises(ScenarioError) as caught:
        parse(textwrap.dedent(text), "bad.yaml")
    return [(p.line, p.field, p.message) for p in caught.value.problems]


def test_the_good_example_is_valid():
    scenario = parse(GOOD, name="good")
    assert scenario.steps[0].duration == 5 and scenario.recover_within == 10
    assert scenario.planned_seconds == 16


@pytest.mark.parametrize("name", library.names())
def test_every_built_in_scenario_is_valid_and_short(name):
    scenario = library.load(name)
    assert scenario.name == name
    assert scenario.planned_seconds <= 180, "each built-in runs in at most 3 minutes"
    assert scenario.expected_signals and (scenario.writeup or len(scenario.description) > 80)


def test_the_library_has_at_least_13_scenarios():
    assert len(library.names()) >= 13


# Each case: a change to GOOD, the line and field the error must name, and words in the message.
BAD = [
    ("yaml syntax", GOOD.replace("difficulty: easy", "difficulty: [easy"), 4, "",
     "not valid YAML"),
    ("unknown difficulty", GOOD.replace("easy", "extreme"), 3, "difficulty", "easy"),
    ("missing title", GOOD.replace("title: t\n", ""), 1, "title", "Field required"),
    ("unknown top-level field", GOOD + "recover_whithin: 3s\n", 15, "recover_whithin",
     "unknown field"),
    ("unknown fault type", GOOD.replace("type: kill", "type: explode"), 10, "steps[0].type",
     "unknown fault type"),
    ("bad fault param", GOOD.replace("type: kill", "type: latency").replace(
        "    duration: 5s", "    params:\n      ms: -5\n    duration: 5s"), 13,
     "steps[0].params.ms", "greater than or equal"),
    ("unknown fault param", GOOD.replace("    duration: 5s",
                                         "    params: {stay_dwn: true}\n    duration: 5s"),
     12, "steps[0].params.stay_dwn", "Extra inputs"),
    ("bad duration", GOOD.replace("duration: 5s", "duration: 5 parsecs"), 12,
     "steps[0].duration", "invalid duration"),
    ("zero duration", GOOD.replace("duration: 5s", "duration: 0s"), 12, "steps[0].duration",
     "more than 0"),
    ("probe without a threshold", GOOD.replace("    below: 0.01\n", ""), 5, "steady_state[0]",
     "exactly one of below, above or equals"),
    ("probe with two thresholds", GOOD.replace("below: 0.01", "below: 0.01\n    above: 0"), 5,
     "steady_state[0]", "got below, above"),
    ("bad target selector", GOOD.replace("web:random", "web:leader"), 11, "steps[0].target",
     "store only"),
    ("unknown target role", GOOD.replace("web:random", "db:random"), 11, "steps[0].target",
     "unknown role"),
    ("repeat without every", GOOD.replace("    duration: 5s", "    duration: 5s\n    times: 3"),
     9, "steps[0]", "needs `every`"),
    ("overlapping repeats", GOOD.replace("    duration: 5s",
                                         "    duration: 5s\n    times: 3\n    every: 4s"),
     9, "steps[0]", "overlap"),
    ("duplicate key", GOOD.replace("difficulty: easy", "difficulty: easy\ndifficulty: hard"),
     4, "difficulty", "twice"),
    ("no steps", GOOD.split("steps:")[0] + "steps: []\nrecover_within: 1s\n"
     "expected_signals: [x]\n", 8, "steps", "at least 1"),
    ("duplicate probe names", GOOD.replace(
        "steps:", "  - {name: errors, query: up, equals: 1}\nsteps:"), 5, "steady_state",
     "used twice"),
    ("abort condition with a bad for", GOOD + "abort_when:\n  - name: a\n    query: up\n"
     "    below: 1\n    for: soon\n", 19, "abort_when[0].for", "invalid duration"),
    ("negative at", GOOD.replace("at: 1s", "at: -1"), 9, "steps[0].at", "negative"),
    ("not a mapping", "- just\n- a list\n", 1, "", "must be a mapping"),
    ("name in the file", "name: x\n" + GOOD, 1, "name", "file name"),
    ("run too long", GOOD.replace("recover_within: 10s", "recover_within: 2h"), 1, "",
     "limit is 1800s"),
]


@pytest.mark.parametrize(("case", "text", "line", "field", "words"), BAD, ids=[c[0] for c in BAD])
def test_bad_input_names_line_and_field(case, text, line, field, words):
    found = problems(text)
    assert any(p_line == line and p_field == field and words in message
               for p_line, p_field, message in found), found


def test_the_error_text_reads_file_line_field_message(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(GOOD.replace("duration: 5s", "duration: 5 parsecs"))
    with pytest.raises(ScenarioError) as caught:
        load_file(path)
    assert str(caught.value).startswith(f"{path}:12: steps[0].duration: invalid duration")


def test_missing_and_empty_files_are_clear_errors(tmp_path):
    with pytest.raises(ScenarioError, match="no such file"):
        load_file(tmp_path / "nope.yaml")
    (tmp_path / "empty.yaml").write_text("")
    with pytest.raises(ScenarioError, match="empty"):
        load_file(tmp_path / "empty.yaml")


def test_unknown_built_in_name_lists_the_known_ones():
    with pytest.raises(ScenarioError, match="web-instance-crash"):
        library.load("no-such-scenario")


def test_cli_validate_prints_line_and_field_and_exits_2(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(GOOD.replace("type: kill", "type: explode"))
    result = CliRunner().invoke(app, ["scenario", "validate", str(path)])
    assert result.exit_code == 2
    assert f"{path}:10: steps[0].type: unknown fault type 'explode'" in result.output.replace(
        "\n", "")


def test_cli_validate_accepts_a_good_file(tmp_path):
    path = tmp_path / "good.yaml"
    path.write_text(GOOD)
    result = CliRunner().invoke(app, ["scenario", "validate", str(path)])
    assert result.exit_code == 0 and "valid" in result.output
