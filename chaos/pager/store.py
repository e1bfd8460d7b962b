"""The pages the pager opened, acknowledged and saw resolved; kept across controller restarts.

Alertmanager calls the webhook with the whole group every time it changes. The first firing
notification of a group opens a page; later ones update its alerts; a resolved notification
resolves it. A group that fires again after it was resolved is a new page, as a pager would
ring again.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import ValidationError

from chaos.pager.model import Alert, Notification, Page, PagedAlert
from chaos.refusal import Refusal
from chaos.state import write_atomic

log = logging.getLogger("gameday.pager")

KEEP_PAGES = 200
Change = Literal["opened", "updated", "resolved", "acked"]


class PageError(Refusal):
    """A page request refused (no such page)."""


def _paged(alert: Alert) -> PagedAlert:
    notes = alert.annotations
    return PagedAlert(
        fingerprint=alert.fingerprint or json.dumps(alert.labels, sort_keys=True),
        status=alert.status, labels=alert.labels, summary=notes.get("summary", ""),
        description=notes.get("description", ""), runbook_url=notes.get("runbook_url", ""),
        firing_at=alert.startsAt.timestamp(),
        resolved_at=alert.ended if alert.status == "resolved" else None,
    )


def _title(notification: Notification) -> str:
    summary = notification.commonAnnotations.get("summary")
    if summary:
        return summary
    name = notification.groupLabels.get("alertname") or notification.commonLabels.get(
        "alertname", "alert")
    firing = sum(a.status == "firing" for a in notification.alerts)
    return f"{name}: {firing} firing" if firing else name


class PageStore:
    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.clock = clock
        self.pages: dict[str, Page] = {}
        self._load()

    def _load(self) -> None:
        try:
            saved = json.loads(self.path.read_text())
            pages = [Page.model_validate(p) for p in saved.get("pages", [])]
        except FileNotFoundError:
            return
        except (ValueError, ValidationError) as exc:
            log.warning("%s is unreadable (%s); starting with no pages", self.path, exc)
            self.path.replace(self.path.with_name(self.path.name + ".broken"))
            return
        self.pages = {p.id: p for p in pages}

    def _save(self) -> None:
        kept = sorted(self.pages.values(), key=lambda p: p.opened_at)[-KEEP_PAGES:]
        self.pages = {p.id: p for p in kept}
        write_atomic(self.path, json.dumps({"pages": [p.model_dump() for p in kept]}))

    def _open_for(self, group_key: str) -> Page | None:
        return next((p for p in self.pages.values() if p.group_key == group_key and p.open),
                    None)

    def receive(self, notification: Notification) -> tuple[Change, Page] | None:
        """Apply one webhook call; returns what changed, or None (a resolution of a group that
        never paged here, e.g. one that fired before this pager existed)."""
        page = self._open_for(notification.groupKey)
        now = self.clock()
        alerts = [_paged(a) for a in notification.alerts]
        if page is None:
            if notification.status == "resolved":
                return None
            page = Page(
                id=f"p-{uuid.uuid4().hex[:8]}", group_key=notification.groupKey,
                group_labels=notification.groupLabels, title=_title(notification),
                status="firing", alerts=alerts, opened_at=now,
                firing_at=min((a.firing_at for a in alerts), default=now),
            )
            self.pages[page.id] = page
            change: Change = "opened"
        else:
            page.alerts, page.title = alerts, _title(notification)
            page.notifications += 1
            change = "updated"
            if notification.status == "resolved":
                page.status, page.resolved_at, change = "resolved", now, "resolved"
        self._save()
        log.info("page %s %s: %s", page.id, change, page.title)
        return change, page

    def ack(self, page_id: str, by: str = "user") -> Page:
        page = self.pages.get(page_id)
        if page is None:
            raise PageError(404, f"no page {page_id!r}")
        if page.acked_at is None:
            page.acked_at, page.acked_by = self.clock(), by
            self._save()
        return page

    def listing(self, open_only: bool = False, since: float | None = None) -> list[Page]:
        """Newest first: open pages, then recent ones."""
        pages = sorted(self.pages.values(), key=lambda p: p.opened_at, reverse=True)
        if open_only:
            pages = [p for p in pages if p.open]
        if since is not None:
            pages = [p for p in pages if p.opened_at >= since or p.open]
        return pages
