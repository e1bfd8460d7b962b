"""The requests behind each operation of the mix, timed, classified and recorded."""

from __future__ import annotations

import itertools
import random
import time
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from services.loadgen import mix
from services.loadgen.consistency.history import Read, Write
from services.loadgen.mix import KeySpace
from services.loadgen.outcome import OK, classify
from services.loadgen.recorder import Recorder
from services.loadgen.tracecontext import sample_ratio
from services.loadgen.tracing import RequestTracing

FOUND_OR_MISSING = (200, 404)


@dataclass(frozen=True)
class Reply:
    outcome: str
    status: int
    body: Any  # parsed JSON of an ok reply, else None
    start: float
    end: float


class UniqueValues:
    """Values no other write of any loadgen process will ever use, so a value read back
    identifies exactly one write."""

    def __init__(self) -> None:
        self._prefix = uuid.uuid4().hex[:12]
        self._counter = itertools.count(1)

    def next(self) -> str:
        return f"{self._prefix}-{next(self._counter)}"


class Operations:
    def __init__(
        self,
        keys: KeySpace,
        recorder: Recorder,
        clock: Callable[[], float] = time.monotonic,
        tracing: RequestTracing | None = None,
    ) -> None:
        self._keys = keys
        self._recorder = recorder
        self._clock = clock
        # Every request starts a trace (services/loadgen/tracing.py); by default one that is
        # sampled but not recorded here.
        self._tracing = tracing or RequestTracing(sample_ratio())
        self._values = UniqueValues()
        self._run = {
            mix.GET_HOT: lambda client, rng: self._get(client, mix.GET_HOT, keys.hot(rng)),
            mix.GET_TAIL: lambda client, rng: self._get(client, mix.GET_TAIL, keys.tail(rng)),
            mix.PUT: self._put,
            mix.DELETE: self._delete,
            mix.LIST: self._list,
            mix.CC_PUT: self._checker_put,
            mix.CC_GET: self._checker_get,
        }

    def run(self, op: str, client: Any, rng: random.Random) -> None:
        self._run[op](client, rng)

    def _get(self, client: Any, op: str, key: str) -> Reply:
        return self._call(client, op, "GET", f"/kv/{key}", FOUND_OR_MISSING)

    def _put(self, client: Any, rng: random.Random) -> None:
        key = self._keys.hot(rng) if rng.random() < 0.5 else self._keys.tail(rng)
        self._call(client, mix.PUT, "PUT", f"/kv/{key}", (200,), {"value": self._values.next()})

    def _delete(self, client: Any, rng: random.Random) -> None:
        # Tail keys only: deleting hot keys would turn most hot reads into misses.
        self._call(client, mix.DELETE, "DELETE", f"/kv/{self._keys.tail(rng)}", FOUND_OR_MISSING)

    def _list(self, client: Any, rng: random.Random) -> None:
        if rng.random() < 0.5:
            path = "/kv?prefix=hot/&limit=50"
        else:
            path = f"/kv?prefix=tail/{rng.randrange(10)}&limit=20"
        self._call(client, mix.LIST, "GET", path, (200,))

    def _checker_put(self, client: Any, rng: random.Random) -> None:
        key, value = self._keys.checker(rng), self._values.next()
        reply = self._call(client, mix.CC_PUT, "PUT", f"/kv/{key}", (200,), {"value": value})
        revision = _int_field(reply.body, "revision") if reply.outcome == OK else None
        self._recorder.history(Write(key, value, reply.start, reply.end, revision))

    def _checker_get(self, client: Any, rng: random.Random) -> None:
        key = self._keys.checker(rng)
        reply = self._call(client, mix.CC_GET, "GET", f"/kv/{key}", FOUND_OR_MISSING)
        if read := read_from_reply(key, reply):
            self._recorder.history(read)

    def _call(
        self,
        client: Any,
        op: str,
        method: str,
        path: str,
        ok_statuses: Collection[int],
        json: Any = None,
    ) -> Reply:
        span = self._tracing.start(method, op)
        start = self._clock()
        with client.request(method, path, name=op, json=json, headers=span.headers,
                            catch_response=True) as response:
            end = self._clock()
            outcome = classify(response.status_code, getattr(response, "error", None), ok_statuses)
            body = _json_or_none(response) if outcome == OK else None
            if outcome == OK:
                response.success()
            else:
                response.failure(f"{outcome} ({response.status_code or 'no response'})")
        span.end(response.status_code, outcome)
        self._recorder.request(op, outcome, end - start)
        return Reply(outcome, response.status_code, body, start, end)


def read_from_reply(key: str, reply: Reply, sweep: bool = False) -> Read | None:
    """A checkable read, or None when the reply tells nothing about the key's state."""
    if reply.outcome != OK:
        return None
    if reply.status == 404:
        return Read(key, reply.start, reply.end, None, 0, sweep)
    value = reply.body.get("value") if isinstance(reply.body, dict) else None
    # mod_revision is the revision of the write that produced the value; older API versions
    # only return the store's current revision, which is the documented fallback.
    revision = _int_field(reply.body, "mod_revision") or _int_field(reply.body, "revision")
    if not isinstance(value, str) or revision is None:
        return None
    return Read(key, reply.start, reply.end, value, revision, sweep)


def _int_field(body: Any, name: str) -> int | None:
    value = body.get(name) if isinstance(body, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _json_or_none(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
