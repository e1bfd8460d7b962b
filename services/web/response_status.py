"""The status a pure ASGI middleware's inner app answered, read as the response starts."""

from __future__ import annotations

from starlette.types import Message, Send


class StatusRecorder:
    """A `send` that passes every message on and remembers the response's status: 500 until
    one starts, since an exception escaping the app becomes a 500 in the outer handler."""

    __slots__ = ("_send", "status")

    def __init__(self, send: Send) -> None:
        self._send = send
        self.status = 500

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        await self._send(message)
