"""Probe judgement, abort conditions, the schedule and the per-fault measurements (pure)."""

from __future__ import annotations

import math
import random

from chaos.scenarios import measure, timeline
from chaos.scenarios.loader import parse
from chaos.scenarios.model import AbortCondition, Probe
from chaos.scenarios.probes import AbortWatch, ProbeResult, judge_probe
from chaos.scenarios.record import FaultOutcome
from tests.chaos.scenarios.test_loader import GOOD


def probe(**kw) -> Probe:
    return Probe(name="p", query="q", **kw)


def test_a_probe_holds_only_when_every_series_does_and_reports_the_worst():
    result = judge_probe(probe(below=0.01), [0.0, 0.02, 0.005])
    assert not result.ok and result.value == 0.02
    assert judge_probe(probe(above=1), [3, 2]).value == 2
    assert judge_probe(probe(equals=1), [1.0, 1.0]).ok


def test_no_data_and_nan_fail_unless_the_probe_allows_missing():
    assert not judge_probe(probe(below=1), []).ok
    assert not judge_probe(probe(below=1), [math.nan]).ok
    assert judge_probe(probe(below=1, when_missing="pass"), []).ok
    assert not judge_probe(probe(below=1, when_missing="pass"), None, error="down").ok


def test_an_abort_condition_must_hold_for_its_whole_for():
    watch = AbortWatch([AbortCondition(name="a", query="q", above=0.5, **{"for": 3})])
    assert watch.observe(0, {"a": [0.9]}) is None
    assert watch.observe(2, {"a": [0.9]}) is None
    assert watch.observe(3, {"a": [0.9]})[1] == 0.9
    assert watch.observe(4, {"a": [0.1]}) is None  # reset
    assert watch.observe(5, {"a": [0.9]}) is None
    assert watch.observe(6, {"a": []}) is None  # no data is no reason to abort


def repeating() -> str:
    return GOOD.replace("    duration: 5s", "    duration: 2s\n    every: 10s\n    jitter: 3s\n"
                                            "    times: 4")


def test_the_plan_is_sorted_jitter_only_delays_and_a_seed_repeats_it():
    scenario = parse(repeating())
    first = timeline.plan(scenario, random.Random(1))
    assert [p.at for p in first] == [p.at for p in timeline.plan(scenario, random.Random(1))]
    assert [p.at for p in first] != [p.at for p in timeline.plan(scenario, random.Random(2))]
    for index, planned in enumerate(first):
        assert 1 + 10 * index <= planned.at <= 1 + 10 * index + 3
        assert planned.label.endswith(f"#{index + 1}")
    assert timeline.due(first, 1, 12) == [first[1]] if first[1].at <= 12 else True


def test_detection_and_recovery_are_measured_per_fault():
    fault = FaultOutcome(label="k", step=0, repeat=0, type="kill", target="web-1",
                         planned_at=1, applied_at=1.0)
    ok = [ProbeResult(name="e", ok=True, value=0, expected="< 1")]
    bad = [ProbeResult(name="e", ok=False, value=2, expected="< 1")]
    assert measure.observe([fault], 2.0, ok, set()) == []
    events = measure.observe([fault], 3.0, ok, {"InstanceDown"})
    assert fault.time_to_detect == 2.0 and fault.detected_by == ["alert InstanceDown"]
    assert [kind for kind, _ in events] == ["detect"]
    fault.ended_at = 5.0
    measure.observe([fault], 6.0, bad, set())
    assert fault.time_to_recover is None
    measure.observe([fault], 8.5, ok, set())
    assert fault.time_to_recover == 3.5


def test_worst_in_window_includes_the_trailing_rule_window():
    points = [(0, 0.0), (10, 0.2), (20, 0.5), (40, 0.9)]
    assert measure.worst_in_window(points, 5, 6) == 0.5  # 20 is within 6 + 15
    assert measure.worst_in_window(points, 100, 110) is None


def test_the_budget_query_counts_web_5xx_against_a_999_slo():
    query = measure.error_budget_query(62.4)
    assert "[62s]" in query and "0.001 *" in query and 'status=~"5.."' in query
