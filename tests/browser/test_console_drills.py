"""Remediation and drills from the console, in a real browser against the real local stack:
scale web and drain an instance from the page; run a seeded drill from the page without the
page giving its fault away, answer, mitigate, reveal and read the debrief."""

from __future__ import annotations

import random
import time

import pytest

from chaos.cli.client import ApiError
from chaos.drills.incidents import Topology, pick

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright for Python is missing: pip install -e '.[test]'"
)
expect = sync_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.stack]

# Easy drill seed 2 on web-1..3 is a bad deploy: diagnosed from web_build_info, mitigated by
# a rollback, both from the page (checked below against the incident catalog itself).
SEED, DIFFICULTY = 2, "easy"


def card(page, name: str):
    return page.locator(f'.card[data-name="{name}"]')


def test_scale_and_drain_from_the_page(console, stack):
    page = console.page
    try:
        expect(page.locator("#scale-now")).to_have_text("now 3 running")
        expect(page.locator("#scale-count")).to_have_value("3")

        # A count the API refuses: its detail shows next to the scale control.
        slots = len(stack.controller.plan.names("web"))
        page.fill("#scale-count", str(slots + 1))
        page.click("#scale")
        expect(page.locator("#scale-result")).to_have_class("result error")  # red
        expect(page.locator("#scale-result")).to_contain_text(f"from 1 to {slots}")

        page.fill("#scale-count", "4")
        page.click("#scale")
        expect(page.locator("#scale-result")).to_contain_text("web scaled to 4, added web-4",
                                                              timeout=60_000)
        expect(card(page, "web-4")).to_be_visible()
        expect(card(page, "web-4")).to_have_attribute("data-health", "healthy", timeout=30_000)
        expect(page.locator("#scale-now")).to_have_text("now 4 running")
        expect(page.locator("#moves .move").first).to_contain_text("scale web=4 (+web-4)")

        web2 = card(page, "web-2")
        web2.locator('button[data-action="drain"]').click()
        expect(web2.locator(".card-result")).to_contain_text("web-2 drained", timeout=30_000)
        expect(web2).to_have_attribute("data-drained", "true")
        expect(web2.locator(".tag-drained")).to_have_text("drained")
        expect(page.locator("#moves .move").first).to_contain_text("drain web-2")
        # The tag stays through the page's re-renders (it comes from the remediation log).
        time.sleep(2.5)
        expect(web2).to_have_attribute("data-drained", "true")
        console.screenshot("console-web-2-drained")

        web2.locator('button[data-action="ready"]').click()
        expect(web2.locator(".card-result")).to_contain_text("web-2 back in rotation")
        expect(web2).to_have_attribute("data-drained", "false")
        expect(web2.locator(".tag-drained")).to_have_count(0)

        page.fill("#scale-count", "3")
        page.click("#scale")
        expect(page.locator("#scale-result")).to_contain_text("removed web-4", timeout=60_000)
        expect(card(page, "web-4")).to_have_count(0)
        moves = [m["action"] for m in stack.controller.get("/api/remediation")]
        assert moves[-4:] == ["scale", "drain", "ready", "scale"], moves
    finally:
        if len([c for c in stack.status()["components"] if c["role"] == "web"]) != 3:
            stack.controller.post("/api/scale", json={"role": "web", "count": 3}, timeout=60)
        stack.controller.post("/api/components/web-2/ready")


def start_drill(page, timeout: float = 45.0) -> None:
    """Start the seeded drill from the page; a fresh stack may need a few seconds of steady
    state first (409, shown next to the button), so retry until it starts."""
    page.select_option("#drill-difficulty", DIFFICULTY)
    page.fill("#drill-seed", str(SEED))
    deadline = time.monotonic() + timeout
    while True:
        page.click("#drill-start-button")
        result = page.locator("#drill-start-result")
        expect(result).not_to_have_class("result busy", timeout=30_000)
        if "started" in result.inner_text():
            return
        if time.monotonic() > deadline or "try again" not in result.inner_text():
            raise AssertionError(f"the drill did not start: {result.inner_text()}")
        time.sleep(3)


def test_drill_from_the_page_hides_the_fault_until_the_reveal(console, stack):
    page = console.page
    status = stack.status()
    webs = [c["name"] for c in status["components"] if c["role"] == "web"]
    incident = pick(DIFFICULTY, Topology(webs=webs, stores=["store-1", "store-2", "store-3"],
                                         leader=status["store_leader"]), random.Random(SEED))
    assert (incident.cause, incident.components) == ("bad-deploy", ["web-1"]), incident
    culprit, cause = incident.components[0], incident.cause
    expect(page.locator("#drill-component option")).not_to_have_count(0)
    timeline = page.locator("#timeline .fault")
    ids_before = set(timeline.evaluate_all("els => els.map(e => e.dataset.id)"))
    try:
        start_drill(page)
        expect(page.locator("#drill-panel")).to_have_attribute("data-state", "running")
        banner = page.locator("#banner")
        expect(banner).to_be_visible()
        expect(banner).to_contain_text("drill in progress")
        expect(page.locator("#drill-live")).to_be_visible()
        expect(page.locator("#drill-start")).to_be_hidden()

        # Nothing on the page names the fault while the drill runs: banner, timeline, the fault
        # windows the charts shade, the culprit's card. Give the polls time to catch up first.
        time.sleep(4)
        new_items = [i for i in timeline.evaluate_all(
            "els => els.map(e => [e.dataset.id, e.innerText])") if i[0] not in ids_before]
        leaks = {
            "banner": banner.inner_text(),
            "timeline": " ".join(text for _, text in new_items),
            "charts": page.get_attribute("#charts-panel", "data-fault-windows") or "",
            "card": card(page, culprit).locator(".card-faults").all_inner_texts(),
        }
        for where, text in leaks.items():
            for secret in (cause, culprit):
                assert secret not in str(text), f"{where} names the drill's {secret!r}: {text!r}"
        assert new_items == [], new_items
        expect(card(page, culprit)).to_have_attribute("data-faulted", "false")
        # The traces panel shows what the API gives: the erroring traces and a waterfall are
        # symptoms (web-1's 500s), never the fault's type.
        page.click("#traces-errors")
        traces = page.locator("#traces-panel")
        expect(traces).to_have_attribute("data-list", "errors")
        expect(traces.locator("#traces-caption")).not_to_contain_text("…")
        if traces.locator("#traces .trace").count():
            traces.locator("#traces .trace").first.click()
            expect(traces.locator("#waterfall")).to_have_attribute("data-state", "open")
        for secret in (cause, "fault"):
            assert secret not in traces.inner_text(), f"the traces panel names {secret!r}"

        page.click("#drill-hint")
        expect(page.locator("#drill-hints li")).to_have_count(1)
        expect(page.locator("#drill-hint-result")).to_contain_text("hint 1: −5 points")

        # A wrong answer, then the mitigation from the culprit's card, then the right answer.
        wrong = next(w for w in webs if w != culprit)
        page.select_option("#drill-component", wrong)
        page.select_option("#drill-cause", cause)
        page.click("#drill-answer-button")
        expect(page.locator("#drill-answer-result")).to_have_text("✗ wrong: 2 tries left")
        card(page, culprit).locator('button[data-action="rollback"]').click()
        expect(card(page, culprit).locator(".card-result")).to_contain_text("rolled back",
                                                                            timeout=30_000)
        page.select_option("#drill-component", culprit)
        page.click("#drill-answer-button")
        expect(page.locator("#drill-answer-result")).to_have_text("✓ right: diagnosis closed")
        expect(page.locator("#drill-answers li")).to_have_count(2)
        expect(banner).not_to_contain_text(cause)
        console.screenshot("console-drill-running")

        page.click("#drill-reveal")
        debrief = page.locator("#drill-debrief")
        expect(debrief).to_be_visible(timeout=90_000)
        expect(page.locator("#drill-panel")).to_have_attribute("data-state", "finished")
        expect(debrief.locator("code.cause")).to_have_text(cause)
        expect(debrief).to_contain_text(f"bad-deploy {culprit}")
        expect(debrief).to_contain_text("postmortem.md")
        # Right answer; mitigated only once the steady state held 30 s, which a quick reveal skips.
        assert debrief.locator(".pill").inner_text() in ("diagnosed", "solved")
        expect(banner).to_be_hidden()
        expect(page.locator("#drill-start")).to_be_visible()
        console.screenshot("console-drill-debrief")
    finally:
        try:
            stack.controller.post("/api/drills/current/reveal", timeout=120)
        except ApiError as exc:
            if exc.status != 404:
                raise
