"""The page store: Alertmanager's group notifications open, update and resolve pages."""

from __future__ import annotations

import pytest

from chaos.pager.model import Notification
from chaos.pager.store import KEEP_PAGES, PageError, PageStore
from tests.fakeclock import FakeClock


def notification(status="firing", key='{}:{alertname="StoreNoLeader"}', alerts=None, **extra):
    alerts = alerts if alerts is not None else [alert("store-2", status)]
    return Notification.model_validate({
        "version": "4", "groupKey": key, "status": status, "receiver": "pager",
        "groupLabels": {"alertname": "StoreNoLeader", "job": "store"},
        "commonLabels": {"alertname": "StoreNoLeader", "severity": "page"},
        "commonAnnotations": extra.get("common", {}), "alerts": alerts})


def alert(instance: str, status="firing", start="2026-12-01T10:00:00Z",
          end="0001-01-01T00:00:00Z"):
    return {"status": status, "labels": {"alertname": "StoreNoLeader", "instance": instance},
            "annotations": {"summary": f"{instance} has no Raft leader",
                            "runbook_url": "docs/runbooks/StoreNoLeader.md"},
            "startsAt": start, "endsAt": end, "fingerprint": f"fp-{instance}"}


@pytest.fixture
def store(tmp_path):
    return PageStore(tmp_path / "pages.json", clock=FakeClock(1000.0))


def test_a_group_pages_once_then_updates_then_resolves(store):
    change, page = store.receive(notification())
    assert change == "opened" and page.status == "firing" and page.opened_at == 1000.0
    assert page.firing_at == pytest.approx(1796119200.0)  # 2026-12-01T10:00:00Z
    assert page.title == "StoreNoLeader: 1 firing"
    assert page.alerts[0].runbook_url == "docs/runbooks/StoreNoLeader.md"

    store.clock.now = 1005.0
    change, same = store.receive(notification(alerts=[alert("store-2"), alert("store-3")]))
    assert (change, same.id, len(same.alerts), same.notifications) == ("updated", page.id, 2, 2)

    store.clock.now = 1030.0
    resolved = [alert(i, "resolved", end="2026-12-01T10:00:40Z") for i in ("store-2", "store-3")]
    change, done = store.receive(notification("resolved", alerts=resolved))
    assert (change, done.id, done.status, done.resolved_at) == ("resolved", page.id,
                                                                 "resolved", 1030.0)
    assert done.alerts[0].resolved_at == pytest.approx(1796119240.0)


def test_a_group_that_fires_again_is_a_new_page(store):
    _, first = store.receive(notification())
    store.receive(notification("resolved"))
    change, second = store.receive(notification())
    assert change == "opened" and second.id != first.id
    assert [p.id for p in store.listing(open_only=True)] == [second.id]


def test_a_resolution_for_a_group_never_paged_is_ignored(store):
    assert store.receive(notification("resolved")) is None
    assert store.listing() == []


def test_groups_are_separate_pages_and_a_common_summary_titles_them(store):
    store.receive(notification(key="a"))
    _, other = store.receive(notification(key="b", common={"summary": "lb has no web"}))
    assert len(store.listing(open_only=True)) == 2 and other.title == "lb has no web"


def test_ack_is_recorded_once_and_unknown_pages_are_404(store):
    _, page = store.receive(notification())
    store.clock.now = 1012.0
    assert store.ack(page.id).acked_at == 1012.0
    store.clock.now = 1050.0
    assert store.ack(page.id).acked_at == 1012.0  # the first acknowledgement counts
    with pytest.raises(PageError) as caught:
        store.ack("p-nope")
    assert caught.value.status == 404


def test_pages_survive_a_restart_and_the_file_is_bounded(tmp_path):
    clock = FakeClock(0.0)
    store = PageStore(tmp_path / "pages.json", clock=clock)
    for i in range(KEEP_PAGES + 5):
        clock.now = float(i)
        store.receive(notification(key=f"g{i}"))
    again = PageStore(tmp_path / "pages.json", clock=clock)
    assert len(again.pages) == KEEP_PAGES
    assert min(p.opened_at for p in again.pages.values()) == 5.0


def test_a_broken_file_is_set_aside(tmp_path):
    (tmp_path / "pages.json").write_text("{nope")
    assert PageStore(tmp_path / "pages.json").pages == {}
    assert (tmp_path / "pages.json.broken").exists()
