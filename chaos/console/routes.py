"""The console page and the session endpoint that hands the page its bearer token.

Token trade-off (see docs/console.md): mutations need the stack's bearer token, which the CLI
reads from `<state-dir>/token` (mode 0600). The page cannot read that file, so the controller
gives it the token, but only to a client on the loopback interface that also addressed the
controller by a loopback host name. Any local user or process that can reach 127.0.0.1 can
therefore obtain the token from here; elsewhere (e.g. a published Compose port) the console is
read-only until the operator pastes the token.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse

STATIC_DIR = Path(__file__).parent / "static"
LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}

# The page only talks to its own origin; framing is refused so the abort button cannot be
# clickjacked. uPlot positions its elements with inline styles.
PAGE_HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

router = APIRouter(tags=["console"])


def _is_loopback_ip(text: str | None) -> bool:
    if not text:
        return False
    try:
        address = ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


def _host_name(host_header: str) -> str:
    """The host part of a Host header: `127.0.0.1:8700` -> `127.0.0.1`, `[::1]:80` -> `::1`."""
    if host_header.startswith("["):
        return host_header[1:].partition("]")[0]
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


def loopback_refusal(request: Request) -> str | None:
    """None if the request may receive the token, else why not (shown on the page)."""
    client = request.client.host if request.client else None
    if not _is_loopback_ip(client):
        return f"the console was opened from {client or 'an unknown address'}, not 127.0.0.1"
    # A page on another site that re-points its DNS name at 127.0.0.1 (DNS rebinding) reaches
    # us from loopback too, but its requests still carry its own name in the Host header.
    host = _host_name(request.headers.get("host", "")).lower()
    if not (_is_loopback_ip(host) or host in LOOPBACK_NAMES):
        return f"the controller was addressed as {host!r}, not as a loopback address"
    # Browsers label cross-site requests; only the console's own page or a direct visit
    # (curl, the address bar) may read the token.
    site = request.headers.get("sec-fetch-site")
    if site not in (None, "same-origin", "none"):
        return f"cross-site request ({site})"
    return None


@router.get("/", include_in_schema=False)
@router.get("/console", include_in_schema=False)
async def page() -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html", headers=PAGE_HEADERS)


@router.get("/api/console/session")
async def session(request: Request) -> JSONResponse:
    """The bearer token for the console, for loopback clients only (403 with the reason else)."""
    refusal = loopback_refusal(request)
    headers = {"Cache-Control": "no-store"}
    if refusal is not None:
        return JSONResponse(
            status_code=403, headers=headers,
            content={"detail": f"no token for this client: {refusal}; paste the token from "
                               "<state-dir>/token to enable the controls"},
        )
    return JSONResponse({"token": request.app.state.token}, headers=headers)
