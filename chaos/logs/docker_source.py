"""Under Compose: every stack container's stdout and stderr, followed through the Docker Engine
API into the central log store (the local runtime's counterpart is ingest.py's file tailer).

The controller calls `poll()` every 0.5 s from a worker thread, as it calls the tailer's. It
lists the project's running containers every `refresh_seconds` (names as the Docker runtime
gives them: the Compose service label, only the stack's components), starts one follower thread
per container it does not follow yet, and stops following containers that are gone. A follower
asks `GET /containers/{id}/logs?follow=1&stdout=1&stderr=1&timestamps=1&since=...` on the same
Docker client the runtime uses, cuts the stream into lines (docker_stream.py) and puts them on
one bounded queue (a full queue makes the followers wait, never grows); `poll()` parses them
(parse.py) and stores them with, in the same transaction, each container's last Docker
timestamp (nanoseconds, kept as the `docker:<container id>` offset). A restarted controller asks
Docker from there, and drops the lines at or before it (Docker's `since` is inclusive), so no
line is stored twice. A stream that ends (the container stopped, or `read_timeout` of silence)
is asked again from the same place on the next refresh while the container runs. A container
never seen starts at the store's age limit (older lines would be deleted at once). Each kind of
failure is logged once per container, not on every retry.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from typing import Any

from chaos.logs.docker_stream import LineReader, since_param, split_timestamp
from chaos.logs.parse import parse
from chaos.logs.store import LogStore, NewEntry

log = logging.getLogger("gameday.logs.docker")

# The Compose labels the Docker runtime reads (chaos/runtime/docker.py; not imported from
# there, so this module does not pull in the runtime's iptables and supervision code).
PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"
OFFSET_PREFIX = "docker:"
MAX_LINE_BYTES = 16 * 1024
MAX_QUEUED_LINES = 20_000
REFRESH_SECONDS = 2.0
CONNECT_TIMEOUT_SECONDS = 5.0
READ_TIMEOUT_SECONDS = 60.0
READ_BYTES = 64 * 1024


@dataclass
class Follower:
    container_id: str
    component: str
    last: int  # Docker time (ns) of the last line queued; lines at or before it are dropped
    stop: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)
    response: Any = None


def start_thread(target: Callable[[], None], name: str) -> None:
    threading.Thread(target=target, name=name, daemon=True).start()


class DockerLogSource:
    def __init__(self, client: Any, project: str, store: LogStore, components: Collection[str],
                 *, clock: Callable[[], float] = time.time,
                 monotonic: Callable[[], float] = time.monotonic,
                 spawn: Callable[[Callable[[], None], str], None] = start_thread,
                 refresh_seconds: float = REFRESH_SECONDS, max_line: int = MAX_LINE_BYTES,
                 max_queued: int = MAX_QUEUED_LINES,
                 read_timeout: float = READ_TIMEOUT_SECONDS) -> None:
        self.api = client.api
        self.project = project
        self.store = store
        self.components = frozenset(components)
        self._clock = clock
        self._monotonic = monotonic
        self._spawn = spawn
        self.refresh_seconds = refresh_seconds
        self.max_line = max_line
        self.read_timeout = read_timeout
        self._queue: queue.Queue[tuple[Follower, int | None, bytes]] = queue.Queue(max_queued)
        self._followers: dict[str, Follower] = {}
        self._last_refresh: float | None = None
        self._reported: set[tuple[str, str]] = set()
        self._offsets = {path[len(OFFSET_PREFIX):]: offset
                         for path, (_, offset) in store.offsets().items()
                         if path.startswith(OFFSET_PREFIX)}

    # -- what the controller calls -------------------------------------------------------------

    def poll(self) -> int:
        """Follow new containers, let go of gone ones, store the lines queued since the last
        call; returns how many were stored."""
        now = self._monotonic()
        if self._last_refresh is None or now - self._last_refresh >= self.refresh_seconds:
            self._last_refresh = now
            self._refresh()
        return self._store_queued()

    def following(self) -> dict[str, str]:
        """The containers followed now: container id -> component."""
        return {cid: f.component for cid, f in self._followers.items() if not f.done.is_set()}

    def close(self) -> None:
        for follower in self._followers.values():
            self._stop(follower)
        self._followers.clear()

    # -- containers ----------------------------------------------------------------------------

    def _refresh(self) -> None:
        try:
            found = self.api.containers(filters={"label": f"{PROJECT_LABEL}={self.project}"})
        except Exception as exc:  # noqa: BLE001 - Docker unreachable: asked again next time
            self._report("docker", "list", exc)
            return
        running: dict[str, str] = {}
        for summary in found:
            service = (summary.get("Labels") or {}).get(SERVICE_LABEL)
            if service in self.components:
                running[summary["Id"]] = service
        for cid in [c for c in self._followers if c not in running]:
            self._stop(self._followers.pop(cid))
        for cid, component in running.items():
            follower = self._followers.get(cid)
            if follower is not None and not follower.done.is_set():
                continue
            last = follower.last if follower is not None else self._offsets.get(cid)
            if last is None:  # never seen: from the store's age limit on
                last = int((self._clock() - self.store.max_age_seconds) * 1e9)
            follower = Follower(cid, component, last)
            self._followers[cid] = follower
            self._spawn(lambda f=follower: self._follow(f), f"logs-{component}")

    def _stop(self, follower: Follower) -> None:
        follower.stop.set()
        self._close(follower)

    @staticmethod
    def _close(follower: Follower) -> None:
        response = follower.response
        if response is not None:
            with contextlib.suppress(Exception):  # closing a dead stream
                response.close()

    # -- one container's stream (in its own thread) ------------------------------------------

    def _follow(self, follower: Follower) -> None:
        try:
            tty = bool(self.api.inspect_container(follower.container_id)
                       .get("Config", {}).get("Tty"))
            reader = LineReader(tty=tty, max_line=self.max_line + 40)  # + the timestamp
            for chunk in self._chunks(follower):
                for line in reader.feed(chunk):
                    self._queue_line(follower, line)
            for line in reader.flush():
                self._queue_line(follower, line)
        except _Stopped:
            pass
        except Exception as exc:  # noqa: BLE001 - followed again on the next refresh
            if not follower.stop.is_set() and not _is_timeout(exc):
                self._report(follower.component, type(exc).__name__, exc)
        finally:
            self._close(follower)
            follower.done.set()

    def _chunks(self, follower: Follower) -> Iterator[bytes]:
        params = {"follow": 1, "stdout": 1, "stderr": 1, "timestamps": 1,
                  "since": since_param(max(follower.last, 0))}
        url = f"{self.api.base_url}/v{self.api.api_version}/containers/" \
              f"{follower.container_id}/logs"
        follower.response = self.api.get(url, params=params, stream=True,
                                         timeout=(CONNECT_TIMEOUT_SECONDS, self.read_timeout))
        if follower.stop.is_set():
            raise _Stopped
        follower.response.raise_for_status()
        raw = follower.response.raw
        read = getattr(raw, "read1", None)
        chunks = iter(lambda: read(READ_BYTES), b"") if read is not None else \
            follower.response.iter_content(chunk_size=None)
        for chunk in chunks:
            if follower.stop.is_set():
                raise _Stopped
            yield chunk

    def _queue_line(self, follower: Follower, line: bytes) -> None:
        nanos, text = split_timestamp(line)
        if nanos is not None:
            if nanos <= follower.last:
                return  # stored before (a resume, or a stream asked again)
            follower.last = nanos
        while True:
            if follower.stop.is_set():
                raise _Stopped
            try:
                self._queue.put((follower, nanos, text[:self.max_line]), timeout=0.5)
                return
            except queue.Full:
                continue

    # -- storing -------------------------------------------------------------------------------

    def _store_queued(self) -> int:
        entries: list[NewEntry] = []
        offsets: dict[str, tuple[int, int]] = {}
        now = self._clock()
        for _ in range(self._queue.maxsize):
            try:
                follower, nanos, raw = self._queue.get_nowait()
            except queue.Empty:
                break
            line = parse(raw.decode("utf-8", errors="replace"))
            when = line.time if line.time is not None else \
                nanos / 1e9 if nanos is not None else now
            entries.append(NewEntry(
                time=when, component=follower.component, message=line.message,
                level=line.level, logger=line.logger, trace_id=line.trace_id,
                span_id=line.span_id))
            if nanos is not None:
                offsets[OFFSET_PREFIX + follower.container_id] = (0, nanos)
        if not entries:
            return 0
        added = self.store.add(entries, offsets)
        self._offsets.update({path[len(OFFSET_PREFIX):]: offset
                              for path, (_, offset) in offsets.items()})
        return added

    def _report(self, component: str, kind: str, exc: Exception) -> None:
        if (component, kind) in self._reported:
            log.debug("container logs of %s: %s", component, exc)
            return
        self._reported.add((component, kind))
        log.warning("container logs of %s: %s (reported once)", component, exc)


class _Stopped(Exception):
    """The follower was told to stop (its container went, or the controller closes)."""


def _is_timeout(exc: BaseException) -> bool:
    """A read timeout: the container was quiet for `read_timeout`; asked again, not an error."""
    while exc is not None:
        if "timeout" in type(exc).__name__.lower() or "timed out" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False
