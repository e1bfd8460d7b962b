"""The on-call loop's first steps on the real stack: Prometheus -> Alertmanager -> the pager.

Two of three store members stopped is a full write outage: it must page within 30 s, the page
shows in `gameday pager`, `gameday pager ack` acknowledges it, and it resolves after recovery.
"""

from __future__ import annotations

import json
import time

import httpx
import pytest

from tests.integration.stackctl import FaultDriver

pytestmark = pytest.mark.stack

PAGE_WITHIN_SECONDS = 30


def test_alertmanager_is_a_supervised_component_and_prometheus_alerts_to_it(stack):
    status = stack.wait_healthy()
    [component] = [c for c in status["components"] if c["name"] == "alertmanager"]
    assert (component["role"], component["health"]) == ("alertmanager", "healthy")
    url = status["endpoints"]["alertmanager"]
    assert httpx.get(f"{url}/-/ready", timeout=5).status_code == 200
    prometheus = status["endpoints"]["prometheus"]

    def active() -> list[str]:
        found = httpx.get(f"{prometheus}/api/v1/alertmanagers", timeout=5).json()
        return [a["url"] for a in found["data"]["activeAlertmanagers"]]

    # A Prometheus that just started lists its Alertmanagers after its first discovery round.
    assert stack.wait_for(active, timeout=30, interval=1,
                          what="Prometheus's active Alertmanagers") == [f"{url}/api/v2/alerts"]
    stack.wait_for(lambda: stack.prom_query('up{job="alertmanager",instance="alertmanager"}'),
                   timeout=30, interval=1, what="Alertmanager scraped")


def store_pages(stack, since: float) -> list[dict]:
    pages = json.loads(stack.cli("pager", "--json").stdout)
    return [p for p in pages if p["group_labels"].get("alertname") == "StoreNoLeader"
            and p["opened_at"] >= since]


def test_losing_the_store_majority_pages_and_the_page_is_acked_then_resolves(stack):
    stack.wait_healthy()
    driver = FaultDriver(stack)
    started = time.time()
    stopped = driver.inject("stop", "store:majority", duration="60s")
    try:
        [page] = stack.wait_for(lambda: store_pages(stack, started), timeout=PAGE_WITHIN_SECONDS,
                                interval=1, what="a StoreNoLeader page")
        assert page["status"] == "firing" and page["acked_at"] is None
        assert page["opened_at"] - started < PAGE_WITHIN_SECONDS
        assert any(a["runbook_url"] == "docs/runbooks/StoreNoLeader.md" for a in page["alerts"])

        acked = json.loads(stack.cli("pager", "ack", page["id"], "--json").stdout)
        assert acked["id"] == page["id"] and acked["acked_at"] >= page["opened_at"]
    finally:
        driver.revert(stopped["id"])
    stack.wait_for(
        lambda: stack.controller.get(f"/api/pages/{page['id']}")["status"] == "resolved",
        timeout=60, interval=1, what="the page to resolve after the store recovered")
    stack.wait_healthy()

    # `gameday events` tells the story in order: the fault, the members going down, the page
    # and its acknowledgement, the revert, the members back, the page resolved.
    events = [e for e in json.loads(stack.cli("events", "--since", "5m", "--json").stdout)
              if e["ts"] >= started]
    members = stopped["targets"]
    # (Other alerts may page too while the store is down: this story is the StoreNoLeader one.)
    story = [(e["kind"], e["component"] if e["source"] == "component" else e["ref"])
             for e in events if (e["source"] == "fault" and e["ref"] == stopped["id"])
             or (e["source"] == "page" and e["ref"] == page["id"])
             or (e["source"] == "component" and e["component"] in members)]
    expected = [("fault.injected", stopped["id"]),
                *[("component.stop", m) for m in members],
                ("page.fired", page["id"]), ("page.acked", page["id"]),
                # The revert starts the members; the fault has ended once that returned.
                *[("component.start", m) for m in members],
                ("fault.reverted", stopped["id"]),
                ("page.resolved", page["id"])]
    assert _same_story(story, expected), story


def _same_story(story: list[tuple], expected: list[tuple]) -> bool:
    """The same events, with the members of one step (stopped together, started together) in
    either order."""
    def steps(items):
        return [frozenset(g) for g in _group(items)]
    return steps(story) == steps(expected)


def _group(items: list[tuple]) -> list[list[tuple]]:
    groups: list[list[tuple]] = []
    for item in items:
        if groups and groups[-1][0][0] == item[0]:
            groups[-1].append(item)
        else:
            groups.append([item])
    return groups


def test_a_silence_is_created_in_alertmanager_itself(stack):
    url = stack.wait_healthy()["endpoints"]["alertmanager"]
    made = json.loads(stack.cli("silence", "add", "alertname=HighLatencyP99", "-d", "5m",
                                "--json").stdout)
    own = httpx.get(f"{url}/api/v2/silence/{made['id']}", timeout=5).json()
    assert own["status"]["state"] == "active"
    assert [(m["name"], m["value"]) for m in own["matchers"]] == [("alertname", "HighLatencyP99")]
    listed = json.loads(stack.cli("silence", "list", "--json").stdout)
    assert made["id"] in {s["id"] for s in listed}
    stack.cli("silence", "rm", made["id"])
    assert httpx.get(f"{url}/api/v2/silence/{made['id']}",
                     timeout=5).json()["status"]["state"] == "expired"
