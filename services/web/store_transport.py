"""How one HTTP call reaches an etcd endpoint: the wire under ``EtcdGateway``'s rules.

The gateway owns the rules (failover, retries, error mapping, metrics); a transport only
posts a JSON body to one URL within a timeout and sorts failures into three kinds:

* ``NotConnected``: no connection could be had (refused, connect or pool-slot timeout), so
  the request never left this process and any endpoint may be tried next, writes included;
* ``StoreTimeout``: sent, but no complete answer within the timeout (outcome unknown);
* ``StoreUnavailable``: the connection broke mid-call (outcome unknown).

``AiohttpTransport`` is the hot path's client: ``bench/bench_store_client.py`` measured it
at about 10x httpx with 32 calls in flight (see docs/benchmarks.md). ``HttpxTransport``
(services/web/httpx_transport.py) stays for in-process fakes (``httpx.MockTransport`` in
the app tests) and as the bench's baseline; a served instance never imports httpx.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import aiohttp

from services.web.store_errors import NotConnected, StoreTimeout, StoreUnavailable

JSON_HEADERS = {"Content-Type": "application/json"}
# etcd's gateway passes `Grpc-Metadata-*` headers on as gRPC metadata, and etcd answers a call
# that carries `hasleader: true` at once with 503 "etcdserver: no leader" when its member
# has no leader, instead of holding a write (or a linearizable read) it cannot serve until the
# caller's timeout: during an election every call would hang for a whole second.
LEADER_HEADERS = {**JSON_HEADERS, "Grpc-Metadata-hasleader": "true"}


@dataclass(frozen=True, slots=True)
class StoreAnswer:
    status: int
    body: bytes


class StoreTransport(Protocol):
    async def post(self, url: str, body: bytes, timeout: float, *,
                   require_leader: bool = False) -> StoreAnswer: ...

    async def aclose(self) -> None: ...


class AiohttpTransport:
    """One ``aiohttp.ClientSession`` with keep-alive and a connection limit per endpoint.

    The limit is per endpoint, not shared: calls stuck on a blackholed member fill only
    that member's slots, and a call that waits too long for a slot was never sent, so it
    fails over like a refused connection. The session is made on first use because it
    must belong to the running event loop (the app is built before uvicorn starts one).
    """

    def __init__(self, per_endpoint: int = 32) -> None:
        self._per_endpoint = per_endpoint
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=0, limit_per_host=self._per_endpoint, keepalive_timeout=30
        )
        # trust_env=False: store traffic never goes through a proxy from the environment.
        return aiohttp.ClientSession(
            connector=connector, trust_env=False, auto_decompress=False, raise_for_status=False
        )

    async def post(self, url: str, body: bytes, timeout: float, *,
                   require_leader: bool = False) -> StoreAnswer:
        session = self._session
        if session is None:
            session = self._session = self._open()
        # Like httpx's per-phase timeouts: `connect` bounds the wait for a slot plus the TCP
        # connect, `sock_read` every read of the answer.
        limits = aiohttp.ClientTimeout(total=None, connect=timeout, sock_read=timeout)
        try:
            headers = LEADER_HEADERS if require_leader else JSON_HEADERS
            async with session.post(url, data=body, headers=headers,
                                    timeout=limits) as response:
                return StoreAnswer(response.status, await response.read())
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            raise NotConnected(f"{url}: {exc!r}") from exc
        except TimeoutError as exc:
            # SocketTimeoutError (sock_read) is a TimeoutError too.
            raise StoreTimeout(f"{url} did not answer within {timeout}s") from exc
        except aiohttp.ClientError as exc:
            raise StoreUnavailable(f"connection to {url} failed mid-call: {exc!r}") from exc

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
