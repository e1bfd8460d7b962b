"""Pure ASGI middleware refusing request bodies over a byte limit with 413.

The declared Content-Length is checked first (cheap, nothing read); the bytes actually
received are counted too, because chunked bodies declare nothing and clients can lie.
When the limit is crossed mid-read, whatever the app tries to answer is replaced by the
413, so the outcome does not depend on how the framework reacts to the aborted read.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.web.asgi_json import send_json


class BodyTooLarge(Exception):
    pass


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self._max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self._max_bytes:
            await self._send_413(send)
            return

        received = 0
        exceeded = False
        answered = False
        app_started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self._max_bytes:
                    exceeded = True
                    raise BodyTooLarge()
            return message

        async def send_unless_exceeded(message: Message) -> None:
            nonlocal answered, app_started
            if exceeded:
                # The app's reaction to the aborted read (a 400 or 500) is replaced, unless
                # it had already started answering, which leaves nothing to replace.
                if not answered and not app_started:
                    answered = True
                    await self._send_413(send)
                return
            app_started = app_started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, send_unless_exceeded)
        except Exception:
            if not exceeded:
                raise
        if exceeded and not answered and not app_started:
            await self._send_413(send)

    async def _send_413(self, send: Send) -> None:
        payload = {
            "error": "payload_too_large",
            "detail": [{"field": "body", "message": f"must be at most {self._max_bytes} bytes"}],
        }
        # Close: the unread rest of the body would otherwise be parsed as the next request.
        await send_json(send, 413, payload, [(b"connection", b"close")])


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
