"""Pages onto a drill's timeline: the first page that opened during the drill gives
`paged_after`, the first acknowledgement the time to acknowledge (pure logic)."""

from __future__ import annotations

from chaos.drills.model import Drill
from chaos.pager.model import Page


class PageWatch:
    """Remembers which pages and acknowledgements a drill's timeline already has."""

    def __init__(self) -> None:
        self.paged: set[str] = set()
        self.acked: set[str] = set()

    def record(self, drill: Drill, pages: list[Page]) -> None:
        for page in sorted(pages, key=lambda p: p.opened_at):
            if page.opened_at < drill.started_at:
                continue
            if page.id not in self.paged:
                self.paged.add(page.id)
                t = round(page.opened_at - drill.started_at, 3)
                drill.paged_after = t if drill.paged_after is None else drill.paged_after
                drill.note(t, "page", f"paged: {page.title} ({page.id})")
            if page.acked_at is not None and page.id not in self.acked:
                self.acked.add(page.id)
                t = round(page.acked_at - drill.started_at, 3)
                if drill.acknowledged_after is None:
                    drill.acknowledged_after = t
                drill.note(t, "ack", f"acknowledged {page.id} ({page.acked_by})")
