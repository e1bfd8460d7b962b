"""Hints from evidence: what Prometheus shows decides what each hint says."""

from __future__ import annotations

import pytest

from chaos.drills import hints
from chaos.pager.model import Page, PagedAlert
from chaos.scenarios.probes import QueryFailed

START, NOW = 1000.0, 1060.0
WEBS = ["web-1", "web-2", "web-3"]


def prometheus(before: dict[str, object], now: dict[str, object]):
    """A query function over two snapshots (before the drill, now): expr -> scalar or
    {instance: value}; an expression in neither snapshot has no data."""

    async def query(expr: str, at: float) -> hints.Vector:
        value = (now if at >= NOW else before).get(expr)
        if value is None:
            return []
        if isinstance(value, dict):
            return [({"instance": k}, v) for k, v in value.items()]
        return [({}, value)]

    return query


def page(opened_at: float, alertname: str) -> Page:
    alert = PagedAlert(fingerprint="f", status="firing", labels={"alertname": alertname},
                       firing_at=opened_at)
    return Page(id="p-1", group_key="g", group_labels={}, title=f"[FIRING:1] {alertname}",
                status="firing", alerts=[alert], opened_at=opened_at, firing_at=opened_at)


ERRORS, P99, RATE = (s.query for s in hints.GOLDEN[:3])
HEALTHY = {ERRORS: 0.0, P99: 0.012, RATE: 40.0}


async def test_the_first_hint_names_the_page_and_the_signal_that_moved_most():
    query = prometheus(HEALTHY, {ERRORS: 0.31, P99: 0.015, RATE: 40.0})
    text = await hints.first_hint(query, [page(START + 20, "HighErrorRatio")], START, NOW)
    assert text.startswith("Paged 40s ago: HighErrorRatio.")
    assert "errors moved most" in text and "0.0% before" in text and "31.0% now" in text


async def test_the_first_hint_says_so_when_nothing_paged_and_latency_leads():
    query = prometheus(HEALTHY, {ERRORS: 0.0, P99: 0.410, RATE: 39.0})
    text = await hints.first_hint(query, [page(START - 50, "Old")], START, NOW)
    assert text.startswith("Nothing has paged yet.")  # a page from before the drill is not it
    assert "latency moved most" in text and "12 ms before" in text and "410 ms now" in text


async def test_a_traffic_drop_counts_and_a_quiet_system_is_called_quiet():
    dropped = prometheus(HEALTHY, {ERRORS: 0.0, P99: 0.012, RATE: 8.0})
    assert "traffic moved most" in await hints.first_hint(dropped, [], START, NOW)
    quiet = prometheus(HEALTHY, dict(HEALTHY))
    assert "No golden signal is far from its baseline" in await hints.first_hint(
        quiet, [], START, NOW)


async def test_no_golden_signal_at_all_is_a_query_failure():
    with pytest.raises(QueryFailed):
        await hints.first_hint(prometheus({}, {}), [], START, NOW)


def tier(metric: str) -> str:
    return next(m.query for m in hints.TIERS["web"] if m.name == metric)


async def test_the_second_hint_names_the_tier_and_metric_but_not_the_member():
    slow = {tier("p99 latency"): {"web-1": 0.011, "web-2": 0.330, "web-3": 0.013},
            tier("being up"): {"web-1": 1.0, "web-2": 1.0, "web-3": 1.0},
            tier("request rate"): {"web-1": 13.0, "web-2": 12.0, "web-3": 14.0}}
    query = prometheus({}, slow)
    found = await hints.separation(query, "web", ["web-2"], WEBS, NOW)
    second = hints.second_hint("web", ["web-2"], found)
    assert "web tier" in second and "p99 latency" in second and "330 ms against 12 ms" in second
    assert "web-2" not in second
    third = hints.third_hint(["web-2"], found)
    assert third.startswith("It is web-2: p99 latency")


async def test_a_dead_member_stands_apart_on_being_up():
    query = prometheus({}, {tier("being up"): {"web-1": 1.0, "web-2": 1.0, "web-3": 0.0}})
    found = await hints.separation(query, "web", ["web-3"], WEBS, NOW)
    assert found is not None and found.metric.name == "being up"


async def test_nothing_sets_the_culprit_apart_and_the_hints_still_narrow():
    same = {tier("p99 latency"): {"web-1": 0.011, "web-2": 0.012, "web-3": 0.013}}
    found = await hints.separation(prometheus({}, same), "web", ["web-2"], WEBS, NOW)
    assert found is None
    assert hints.second_hint("web", ["web-2"], None).startswith("Look at the web tier")
    assert hints.third_hint(["web-2"], None) == "Look at web-2."


async def test_no_hint_names_a_fault_or_its_mechanism():
    query = prometheus(HEALTHY, {ERRORS: 0.31, P99: 0.5, RATE: 20.0,
                                 tier("error ratio"): {"web-1": 0.0, "web-2": 0.9,
                                                       "web-3": 0.0}})
    texts = [await hints.evidence_hint(level, query, pages=[], started_at=START, now=NOW,
                                       tier="web", culprits=["web-2"], members=WEBS)
             for level in range(hints.LEVELS)]
    words = " ".join(texts).lower()
    for mechanism in ("fault", "kill", "latency web-2", "partition", "proxy", "bad_deploy",
                      "inject", "toxic"):
        assert mechanism not in words, (mechanism, texts)
