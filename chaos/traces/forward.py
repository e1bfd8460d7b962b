"""Relays every trace export the controller's receiver accepts, byte for byte, to a second
OTLP/HTTP backend: Jaeger under Compose (its UI), docs/observability.md.

Why the controller relays rather than web exporting twice: web encodes each batch once (the
OTLP encoding is most of a recorded span's cost, docs/observability.md "Cost"), the
controller's store stays the one that `GET /api/traces` and `gameday trace(s)` read in both
runtimes, and a stack without Jaeger (the offline images, the local runtime) only lacks the
relay's URL.

The relay never slows the receiver down: `offer()` queues the body and returns; one task
posts the queue in order. When the backend is down or slow the queue fills and further exports
are dropped (counted), never the controller's own copy. Failures are logged when the relay
starts failing and when it recovers, not once per export.
"""

from __future__ import annotations

import asyncio
import logging

import httpx

from chaos.traces import otlp

log = logging.getLogger("gameday.traces.forward")

QUEUE_SIZE = 256  # exports (web sends one a second per instance): minutes of a Jaeger restart
TIMEOUT_SECONDS = 3.0


class TraceForwarder:
    """Posts accepted OTLP/HTTP bodies to `url`; with no url it relays nothing."""

    def __init__(self, url: str, http: httpx.AsyncClient, *, queue_size: int = QUEUE_SIZE,
                 timeout: float = TIMEOUT_SECONDS) -> None:
        self.url = url
        self._http = http
        self._queue_size = queue_size
        self._timeout = timeout
        self._queue: asyncio.Queue[tuple[bytes, str]] | None = None
        self._task: asyncio.Task | None = None
        self._failing = False
        self.sent = 0
        self.failed = 0
        self.dropped = 0

    @property
    def enabled(self) -> bool:
        return bool(self.url)

    def offer(self, body: bytes, content_encoding: str = "") -> bool:
        """Queue one export as received (its Content-Encoding kept); False when not relayed
        (no url, or the queue is full: the backend is behind)."""
        if not self.url:
            return False
        if self._queue is None:
            self._queue = asyncio.Queue(self._queue_size)
            self._task = asyncio.get_running_loop().create_task(self._run())
        try:
            self._queue.put_nowait((body, content_encoding))
        except asyncio.QueueFull:
            self.dropped += 1
            return False
        return True

    async def flush(self) -> None:
        """Wait until every queued export has been posted (or has failed)."""
        if self._queue is not None:
            await self._queue.join()

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        self._queue = None

    async def _run(self) -> None:
        assert self._queue is not None
        while True:
            body, encoding = await self._queue.get()
            try:
                self._outcome(await self._post(body, encoding))
            finally:
                self._queue.task_done()

    async def _post(self, body: bytes, encoding: str) -> str | None:
        """None when the backend took the export, else why not."""
        headers = {"Content-Type": otlp.CONTENT_TYPE}
        if encoding:
            headers["Content-Encoding"] = encoding
        try:
            response = await self._http.post(self.url, content=body, headers=headers,
                                             timeout=self._timeout)
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        if response.status_code >= 300:
            return f"HTTP {response.status_code}"
        return None

    def _outcome(self, error: str | None) -> None:
        if error is None:
            self.sent += 1
            if self._failing:
                log.warning("trace relay to %s works again", self.url)
            self._failing = False
            return
        self.failed += 1
        if not self._failing:
            log.warning("trace relay to %s failed (%s); exports are dropped until it answers",
                        self.url, error)
        self._failing = True
