"""The pager: Alertmanager's webhook in, pages out, acknowledgements from the on-call."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from chaos.api.auth import require_stack_token, require_token
from chaos.pager.config import WEBHOOK_PATH
from chaos.pager.model import Notification, Page
from chaos.pager.store import PageError, PageStore

router = APIRouter(tags=["pager"])


def pager(request: Request) -> PageStore:
    return request.app.state.pager


@router.post(WEBHOOK_PATH, dependencies=[Depends(require_stack_token)])
async def webhook(body: Notification, pages: PageStore = Depends(pager)) -> dict:
    """Alertmanager's webhook receiver (version 4 payload): opens, updates or resolves a page."""
    received = pages.receive(body)
    if received is None:
        return {"change": None, "page": None}
    change, page = received
    return {"change": change, "page": page.id}


@router.get("/api/pages", response_model=list[Page])
async def list_pages(open: bool = False, since: float | None = None,
                     pages: PageStore = Depends(pager)) -> list[Page]:
    """Open and recent pages, newest first, grouped as Alertmanager grouped the alerts."""
    return pages.listing(open_only=open, since=since)


@router.get("/api/pages/{page_id}", response_model=Page)
async def get_page(page_id: str, pages: PageStore = Depends(pager)):
    page = pages.pages.get(page_id)
    if page is None:
        raise PageError(404, f"no page {page_id!r}")
    return page


@router.post("/api/pages/{page_id}/ack", response_model=Page,
             dependencies=[Depends(require_token)])
async def ack(page_id: str, pages: PageStore = Depends(pager)):
    """Acknowledge a page: someone is on it (the time to acknowledge stops here)."""
    return pages.ack(page_id, by="user")
