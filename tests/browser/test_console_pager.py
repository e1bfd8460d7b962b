"""The console's pager and event panels in a real browser, over the fake controller (no
processes): a page Alertmanager sends shows at once (strip, row, chime when the sound is on),
Ack acknowledges it through the API, its resolution shows; the events panel lists what
`GET /api/events` gives, newest first, and nothing of a running drill's fault."""

from __future__ import annotations

import random

import pytest

from chaos.drills import incidents
from chaos.pager.config import WEBHOOK_PATH
from chaos.testing.drills import TOPOLOGY, seed_for
from tests.chaos.pager.test_pager_store import alert, notification

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright for Python is missing: pip install -e '.[test]'"
)
expect = sync_api.expect

pytestmark = pytest.mark.browser

# The pager polls every second: a page must show within a few polls (the bound leaves room for
# a machine busy with other stacks).
AT_ONCE_MS = 5_000


def send_page(fake_stack, status: str = "firing", **extra) -> dict:
    """Alertmanager's webhook call for the StoreNoLeader group, as Alertmanager makes it."""
    body = notification(status, **extra).model_dump(mode="json")
    answer = fake_stack.http.post(WEBHOOK_PATH, json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_page_shows_at_once_chimes_and_is_acked_through_the_api(fake_console, fake_stack):
    page = fake_console.page
    panel = page.locator("#pager-panel")
    strip = page.locator("#pager-alert")
    expect(page.locator("#pages .empty")).to_contain_text("No pages", timeout=10_000)
    expect(page.locator("#auth")).to_contain_text("controls enabled")
    expect(strip).to_be_hidden()

    page.check("#pager-sound")  # a user gesture: the browser lets the page make sound
    expect(panel).to_have_attribute("data-sound", "on")
    expect(panel).to_have_attribute("data-chimes", "1")  # the preview
    title = page.title()

    opened = send_page(fake_stack)
    assert opened["change"] == "opened", opened
    page_id = opened["page"]
    row = page.locator(f'#pages .page[data-id="{page_id}"]')
    expect(strip).to_be_visible(timeout=AT_ONCE_MS)
    expect(strip).to_contain_text("StoreNoLeader: 1 firing")
    expect(strip).to_have_attribute("data-id", page_id)
    expect(row).to_have_attribute("data-status", "firing", timeout=AT_ONCE_MS)
    expect(row).to_have_class("page pg-unacked fresh")
    expect(row).to_contain_text("alertname=StoreNoLeader job=store")
    expect(row).to_contain_text("store-2 store-2 has no Raft leader docs/runbooks/StoreNoLeader.md")
    expect(panel).to_have_attribute("data-chimes", "2")  # the new page rang
    expect(page).to_have_title(f"(1) paged · {title}")
    fake_console.screenshot("console-pager-paged")

    # A second member in the same group updates the page: no new page, no second chime.
    send_page(fake_stack, alerts=[alert("store-2"), alert("store-3")])
    expect(row.locator(".page-alerts li")).to_have_count(2, timeout=AT_ONCE_MS)
    expect(page.locator("#pages .page")).to_have_count(1)
    expect(panel).to_have_attribute("data-chimes", "2")

    row.locator("button.page-ack").click()
    expect(page.locator("#pager-result")).to_contain_text(f"({page_id}) acknowledged")
    expect(row).to_have_attribute("data-acked", "true")
    expect(row.locator(".tag-acked")).to_have_text("acked by user")
    expect(row.locator("button.page-ack")).to_have_count(0)
    expect(strip).to_be_hidden()
    expect(page).to_have_title(title)
    listed = fake_stack.http.get("/api/pages").json()
    assert [(p["id"], p["status"], p["acked_by"]) for p in listed] == [(page_id, "firing", "user")]
    assert listed[0]["acked_at"] is not None
    assert fake_stack.controller.pager.pages[page_id].acked_at == listed[0]["acked_at"]

    resolved = [alert(i, "resolved", end="2026-12-01T10:00:40Z") for i in ("store-2", "store-3")]
    send_page(fake_stack, "resolved", alerts=resolved)
    expect(row).to_have_attribute("data-status", "resolved", timeout=AT_ONCE_MS)
    expect(row.locator(".page-state")).to_have_text("resolved")
    expect(row.locator(".page-when")).to_contain_text("resolved")
    expect(row.locator(".page-when")).to_contain_text("acked")
    expect(panel).to_contain_text("0 firing · 0 to ack · 1 resolved")


def test_the_strip_acks_the_newest_page_and_a_refusal_shows(fake_console, fake_stack):
    page = fake_console.page
    strip = page.locator("#pager-alert")
    expect(page.locator("#pages .empty")).to_be_visible(timeout=10_000)  # the page's first load
    first = send_page(fake_stack)["page"]
    expect(strip).to_have_attribute("data-id", first, timeout=AT_ONCE_MS)
    expect(page.locator("#pager-sound")).not_to_be_checked()  # off unless the user turns it on
    expect(page.locator("#pager-panel")).to_have_attribute("data-chimes", "0")
    second = send_page(fake_stack, key='{}:{alertname="HighErrorRatio"}')["page"]
    expect(strip).to_have_attribute("data-id", second, timeout=AT_ONCE_MS)
    expect(strip).to_contain_text("2 pages")

    page.click("#pager-alert-ack")
    row = page.locator(f'#pages .page[data-id="{second}"]')
    expect(row).to_have_attribute("data-acked", "true")
    expect(strip).to_have_attribute("data-id", first)
    acked = {p["id"]: p["acked_at"] is not None for p in fake_stack.http.get("/api/pages").json()}
    assert acked == {first: False, second: True}

    # A token the controller refuses: the API's detail, next to the panel, and no ack.
    page.evaluate("""async () => {
        (await import("/console/static/js/api.js")).auth.token = "wrong"; }""")
    page.locator(f'#pages .page[data-id="{first}"] button.page-ack').click()
    expect(page.locator("#pager-result")).to_have_class("result error")
    expect(page.locator("#pager-result")).to_contain_text("missing or wrong bearer token")
    assert fake_stack.http.get(f"/api/pages/{first}").json()["acked_at"] is None


def test_the_events_panel_lists_the_timeline_newest_first(fake_console, fake_stack):
    page = fake_console.page
    expect(page.locator("#events .empty")).to_be_visible(timeout=10_000)  # the page's first load
    injected = fake_stack.http.post("/api/faults", json={"type": "kill", "target": "web-2",
                                                         "duration": "1m"})
    assert injected.status_code == 201, injected.text
    fault = injected.json()["id"]
    page_id = send_page(fake_stack)["page"]

    events = page.locator("#events .event")
    expect(events).to_have_count(3, timeout=10_000)
    kinds = events.evaluate_all("rows => rows.map(r => r.dataset.kind)")
    assert kinds == ["page.fired", "component.exit", "fault.injected"], kinds
    expect(events.nth(2)).to_have_attribute("data-component", "web-2")
    expect(events.nth(2)).to_have_attribute("data-ref", fault)
    expect(events.nth(2)).to_contain_text("kill on web-2")
    expect(events.nth(1)).to_contain_text("web-2 exited: killed by SIGKILL (fault)")
    expect(events.nth(0)).to_have_attribute("data-ref", page_id)
    fake_console.screenshot("console-events")

    page.select_option("#events-source", "page")
    expect(events).to_have_count(1)
    expect(events.first).to_have_attribute("data-kind", "page.fired")
    page.locator(f'#pages .page[data-id="{page_id}"] button.page-ack').click()
    expect(events.first).to_have_attribute("data-kind", "page.acked")
    expect(events.first).to_contain_text("acknowledged by user")


def test_the_events_panel_shows_no_fault_of_a_running_drill(fake_console, fake_stack):
    page = fake_console.page
    seed = seed_for("easy", "crashed-web")
    target = incidents.pick("easy", TOPOLOGY, random.Random(seed)).components[0]
    started = fake_stack.http.post("/api/drills", json={"difficulty": "easy", "seed": seed})
    assert started.status_code == 201, started.text

    events = page.locator("#events .event")
    expect(events).to_have_count(2, timeout=10_000)
    assert events.evaluate_all("rows => rows.map(r => r.dataset.kind)") == [
        "component.exit", "drill.started"]
    expect(events.first).to_contain_text(f"{target} exited: terminated by signal 9")
    expect(page.locator("#events")).not_to_contain_text("fault")
    expect(page.locator("#events")).not_to_contain_text("kill")

    # The reveal writes the debrief and the postmortem: slow on a busy machine.
    revealed = fake_stack.http.post("/api/drills/current/reveal", timeout=60)
    assert revealed.status_code == 200, revealed.text
    expect(events.and_(page.locator('[data-kind="fault.injected"]'))).to_have_count(
        1, timeout=10_000)
    expect(events.and_(page.locator('[data-kind="drill.ended"]'))).to_have_count(1)
