"""Send a whole JSON response from a pure ASGI middleware."""

from __future__ import annotations

import json
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any

from starlette.types import Send


async def send_json(
    send: Send,
    status: int,
    payload: Any,
    extra_headers: Iterable[tuple[bytes, bytes]] = (),
) -> None:
    body = json.dumps(payload).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *extra_headers,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


_SERVER_ERRORS = {500: "internal_error", 502: "bad_gateway", 503: "service_unavailable",
                  504: "gateway_timeout"}


def server_error_body(status: int) -> dict[str, str]:
    """What any failing service answers: the status' name and phrase, nothing about why. An
    injected error or a broken release must not name itself (a drill's learner reads bodies)."""
    return {"error": _SERVER_ERRORS.get(status, "http_error"),
            "detail": HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_
            else f"HTTP {status}"}
