"""Client for the etcd cluster's v3 JSON gateway, with failover and read retries.

Rules (they are what keeps the API honest under faults):

* All endpoints are known; calls go to a *preferred* endpoint and move on to the next one
  when a connection cannot be opened. A refused connection means the request was never
  sent, so failing over is safe for writes too.
* Every HTTP call has its own timeout. A call that times out or breaks after being sent
  has an unknown outcome: reads are retried (bounded, with backoff, on the next endpoint);
  writes never are, the caller gets an error and the write is indeterminate.
* Reads are linearizable unless the caller asks for ``serializable`` (served from the
  local member, possibly stale, but available without quorum).
* Writes and linearizable reads require a leader (etcd's ``hasleader`` metadata): a member
  that knows it has none says so at once (503, ``StoreUnavailable``) instead of holding
  the call until the timeout, so during an election calls fail fast and a read moves on.

The wire is a ``StoreTransport`` (services/web/store_transport.py: aiohttp in production);
these rules hold whatever carries the calls.

``store_requests_total`` counts every HTTP call to etcd (attempts, not logical operations),
so failovers and retries are visible in the metrics; with ``tracing``, each attempt is a span
of the request's trace too (services/web/store_tracing.py).
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from time import perf_counter
from typing import Any

from services.web import etcd_codec
from services.web.etcd_codec import KeyValue
from services.web.store_errors import (
    NotConnected,
    StoreError,
    StoreFull,
    StoreTimeout,
    StoreUnavailable,
)
from services.web.store_tracing import StoreTracing
from services.web.store_transport import StoreAnswer, StoreTransport

StoreObserver = Callable[[str, str, float], None]
"""Called as ``observe(op, outcome, seconds)`` once per HTTP call to etcd."""

_NOSPACE_MESSAGE = "database space exceeded"
STATUS_PATH = "/v3/maintenance/status"


def _ignore(op: str, outcome: str, seconds: float) -> None:
    return None


def _always_ok(body: dict[str, Any]) -> str:
    return "ok"


@dataclass(frozen=True, slots=True)
class RangeResult:
    items: list[KeyValue]
    store_revision: int
    more: bool


@dataclass(frozen=True, slots=True)
class LeaderStatus:
    endpoint: str
    leader: int
    raft_term: int


class EtcdGateway:
    def __init__(
        self,
        transport: StoreTransport,
        endpoints: Sequence[str],
        *,
        timeout: float,
        read_retries: int,
        observe: StoreObserver = _ignore,
        backoff_seconds: float = 0.05,
        tracing: StoreTracing | None = None,
        leader_grace: float = 0.05,
    ) -> None:
        if not endpoints:
            raise ValueError("at least one store endpoint is required")
        self._transport = transport
        self._endpoints = list(endpoints)
        self._timeout = timeout
        self._read_retries = read_retries
        self._observe = observe
        self._backoff_seconds = backoff_seconds
        self._preferred = 0
        self._tracing = tracing
        self._leader_grace = leader_grace

    @property
    def endpoints(self) -> list[str]:
        return list(self._endpoints)

    @property
    def preferred_endpoint(self) -> str:
        return self._endpoints[self._preferred]

    async def aclose(self) -> None:
        await self._transport.aclose()

    # -- the KV operations -------------------------------------------------------------

    async def put(self, key: str, value: str) -> int:
        """Write ``key``; returns the store revision the write created."""
        payload = {"key": etcd_codec.encode(key), "value": etcd_codec.encode(value)}
        body = await self._write("put", "/v3/kv/put", payload)
        return etcd_codec.header_revision(body)

    async def get(self, key: str, *, serializable: bool = False) -> tuple[KeyValue | None, int]:
        """Read ``key``; returns (the key or None, the store revision the read saw)."""
        payload: dict[str, Any] = {"key": etcd_codec.encode(key)}
        if serializable:
            payload["serializable"] = True
        body = await self._read("get", "/v3/kv/range", payload, outcome_of=_found_or_not)
        kvs = body.get("kvs") or []
        found = KeyValue.from_gateway(kvs[0]) if kvs else None
        return found, etcd_codec.header_revision(body)

    async def delete(self, key: str) -> tuple[int, int]:
        """Delete ``key``; returns (how many keys were deleted, the store revision after)."""
        body = await self._write("delete", "/v3/kv/deleterange", {"key": etcd_codec.encode(key)})
        return etcd_codec.as_int(body.get("deleted")), etcd_codec.header_revision(body)

    async def list(self, prefix: str, limit: int, *, serializable: bool = False) -> RangeResult:
        """Keys starting with ``prefix`` in key order, at most ``limit`` of them."""
        raw_prefix = prefix.encode("utf-8")
        payload: dict[str, Any] = {
            # An empty prefix means every key: key "\0" with range_end "\0".
            "key": etcd_codec.encode(raw_prefix or b"\0"),
            "range_end": etcd_codec.encode(etcd_codec.prefix_range_end(raw_prefix)),
            "limit": limit,
        }
        if serializable:
            payload["serializable"] = True
        body = await self._read("list", "/v3/kv/range", payload)
        return RangeResult(
            items=[KeyValue.from_gateway(kv) for kv in body.get("kvs") or []],
            store_revision=etcd_codec.header_revision(body),
            more=bool(body.get("more", False)),
        )

    async def find_leader(self) -> LeaderStatus:
        """Ask every endpoint at once whether it sees a Raft leader.

        Returns the status of the preferred endpoint when it sees one, else of the first
        endpoint that does, and makes that endpoint preferred when the preferred one answered
        without a leader: an instance whose member lost the leader steers its traffic to one
        that still has it. Once an endpoint sees a leader, the preferred one is waited for at
        most ``leader_grace`` seconds more: a member that hangs (paused, partitioned, its
        process gone behind its proxy link) must not hold readiness past HAProxy's 400 ms
        check timeout, or one sick member would take every web instance out of rotation.
        """
        preferred = self.preferred_endpoint
        calls = {asyncio.ensure_future(self._status(e)): e for e in self._endpoints}
        answers: dict[str, object] = {}  # endpoint -> its LeaderStatus or its exception
        pending = set(calls)
        loop = asyncio.get_running_loop()
        grace_ends: float | None = None
        try:
            while pending:
                timeout = None if grace_ends is None else max(0.0, grace_ends - loop.time())
                done, pending = await asyncio.wait(
                    pending, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
                if not done:
                    break  # the grace is over and the preferred endpoint has not answered
                for call in done:
                    answers[calls[call]] = call.exception() or call.result()
                if _sees_leader(answers.get(preferred)):
                    return answers[preferred]  # type: ignore[return-value]
                if any(_sees_leader(answer) for answer in answers.values()):
                    if preferred in answers:
                        break  # it answered without a leader: no need to wait for it
                    if grace_ends is None:
                        grace_ends = loop.time() + self._leader_grace
        finally:
            for call in pending:
                call.cancel()
        statuses = [answers[e] for e in self._endpoints if _sees_leader(answers.get(e))]
        if not statuses:
            reasons = [_describe(answers[e]) for e in self._endpoints]
            raise StoreUnavailable("no store endpoint sees a leader: " + "; ".join(reasons))
        chosen: LeaderStatus = statuses[0]  # type: ignore[assignment]
        if preferred in answers:  # it answered, without a leader: steer away from it
            self._preferred = self._endpoints.index(chosen.endpoint)
        return chosen

    async def _status(self, endpoint: str) -> LeaderStatus:
        try:
            body = await self._attempt("status", endpoint, STATUS_PATH, {})
        except NotConnected as exc:
            raise StoreUnavailable(f"{endpoint} refused the connection") from exc
        return LeaderStatus(
            endpoint=endpoint,
            leader=etcd_codec.as_int(body.get("leader")),
            raft_term=etcd_codec.as_int(body.get("raftTerm") or body.get("raft_term")),
        )

    # -- retry and failover rules ------------------------------------------------------

    async def _write(self, op: str, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        return await self._call_with_failover(op, path, payload, _always_ok)

    async def _read(
        self,
        op: str,
        path: str,
        payload: dict[str, Any],
        outcome_of: Callable[[dict[str, Any]], str] = _always_ok,
    ) -> dict[str, Any]:
        retries_left = self._read_retries
        attempt = 0
        while True:
            try:
                return await self._call_with_failover(op, path, payload, outcome_of, attempt)
            except StoreError as exc:
                if not exc.retryable or retries_left == 0:
                    raise
            retries_left -= 1
            attempt += 1
            await asyncio.sleep(self._backoff(attempt))

    def _backoff(self, attempt: int) -> float:
        # Exponential with jitter so that three web instances do not retry in lockstep.
        return self._backoff_seconds * (2 ** (attempt - 1)) * random.uniform(0.5, 1.0)

    async def _call_with_failover(
        self,
        op: str,
        path: str,
        payload: dict[str, Any],
        outcome_of: Callable[[dict[str, Any]], str],
        retry: int = 0,
    ) -> dict[str, Any]:
        refused: list[str] = []
        for endpoint in self._rotation():
            try:
                return await self._attempt(op, endpoint, path, payload, outcome_of,
                                           retry=retry, failover=bool(refused))
            except NotConnected:
                refused.append(endpoint)
                self._move_past(endpoint)
            except (StoreTimeout, StoreUnavailable):
                # The next call (or the read retry) should try another member.
                self._move_past(endpoint)
                raise
        raise StoreUnavailable("no store endpoint accepted a connection: " + ", ".join(refused))

    def _rotation(self) -> Iterator[str]:
        start = self._preferred
        count = len(self._endpoints)
        for offset in range(count):
            yield self._endpoints[(start + offset) % count]

    def _move_past(self, endpoint: str) -> None:
        # Only move if nobody moved already, so concurrent failures skip one endpoint, not N.
        index = self._endpoints.index(endpoint)
        if self._preferred == index:
            self._preferred = (index + 1) % len(self._endpoints)

    async def _attempt(
        self,
        op: str,
        endpoint: str,
        path: str,
        payload: dict[str, Any],
        outcome_of: Callable[[dict[str, Any]], str] = _always_ok,
        *,
        retry: int = 0,
        failover: bool = False,
    ) -> dict[str, Any]:
        span = self._tracing and self._tracing.attempt(op, endpoint, retry=retry,
                                                       failover=failover)
        started = perf_counter()
        outcome = "error"
        body: dict[str, Any] | None = None
        failure = ""
        try:
            body = await self._post(endpoint, path, payload)
            outcome = outcome_of(body)
            return body
        except StoreError as exc:
            outcome, failure = exc.outcome, str(exc)
            raise
        except NotConnected as exc:
            outcome, failure = "unavailable", str(exc)
            raise
        finally:
            self._observe(op, outcome, perf_counter() - started)
            if span is not None:
                span.done(outcome, body, failure)

    async def _post(self, endpoint: str, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        # NotConnected, StoreTimeout and StoreUnavailable come from the transport as they are.
        # Every call but a status (asked precisely to learn whether there is a leader) and a
        # serializable read (served without one) requires a leader: a member without one says
        # so at once (503, mapped to StoreUnavailable) instead of holding the call.
        require_leader = path != STATUS_PATH and not payload.get("serializable", False)
        answer = await self._transport.post(
            endpoint + path, json.dumps(payload).encode(), self._timeout,
            require_leader=require_leader,
        )
        if answer.status == 200:
            try:
                return json.loads(answer.body)
            except ValueError as exc:
                raise StoreError(f"{endpoint} answered with malformed JSON") from exc
        raise _error_from_answer(endpoint, answer)


def _found_or_not(body: dict[str, Any]) -> str:
    return "ok" if body.get("kvs") else "not_found"


def _error_from_answer(endpoint: str, answer: StoreAnswer) -> StoreError:
    message = _gateway_message(answer.body)
    detail = f"{endpoint} answered {answer.status}: {message}"
    if _NOSPACE_MESSAGE in message:
        return StoreFull(detail)
    if answer.status >= 500:
        # Unavailable / deadline exceeded: no leader, no quorum, leader changed...
        return StoreUnavailable(detail)
    return StoreError(detail)


def _gateway_message(raw: bytes) -> str:
    try:
        body = json.loads(raw)
    except ValueError:
        return raw[:200].decode("utf-8", errors="replace")
    if isinstance(body, dict):
        return str(body.get("message") or body.get("error") or body)
    return str(body)[:200]


def _sees_leader(answer: object) -> bool:
    return isinstance(answer, LeaderStatus) and answer.leader != 0


def _describe(result: object) -> str:
    if isinstance(result, LeaderStatus):
        return f"{result.endpoint} has no leader"
    return str(result) or type(result).__name__
