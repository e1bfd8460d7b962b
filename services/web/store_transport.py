"""How one HTTP call reaches an etcd endpoint: the wire under ``EtcdGateway``'s rules.

The gateway owns the rules (failover, retries, error mapping, metrics); a transport only
posts a JSON body to one URL within a timeout and sorts failures into three kinds:

* ``NotConnected``: no connection could be had (refused, connect or pool-slot timeout), so
  the request never left this process and any endpoint may be tried next, writes included;
* ``StoreTimeout``: sent, but no complete answer within the timeout (outcome unknown);
* ``StoreUnavailable``: the connection broke mid-call (outcome unknown).

``AiohttpTransport`` is the hot path's client: ``bench/bench_store_client.py`` measured it
at about 10x httpx with 32 calls in flight (see docs/benchmarks.md). ``HttpxTransport``
stays for in-process fakes (``httpx.MockTransport`` in the app tests) and as the bench's
baseline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import aiohttp
import httpx

from services.web.store_errors import NotConnected, StoreTimeout, StoreUnavailable

_JSON = {"Content-Type": "application/json"}


@dataclass(frozen=True, slots=True)
class StoreAnswer:
    status: int
    body: bytes


class StoreTransport(Protocol):
    async def post(self, url: str, body: bytes, timeout: float) -> StoreAnswer: ...

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

    async def post(self, url: str, body: bytes, timeout: float) -> StoreAnswer:
        session = self._session
        if session is None:
            session = self._session = self._open()
        # Like httpx's per-phase timeouts: `connect` bounds the wait for a slot plus the TCP
        # connect, `sock_read` every read of the answer.
        limits = aiohttp.ClientTimeout(total=None, connect=timeout, sock_read=timeout)
        try:
            async with session.post(url, data=body, headers=_JSON, timeout=limits) as response:
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


class HttpxTransport:
    """``httpx.AsyncClient`` (HTTP/1.1, one small pool shared by every endpoint)."""

    def __init__(
        self, transport: httpx.AsyncBaseTransport | None = None, pool_size: int = 16
    ) -> None:
        self._client = httpx.AsyncClient(
            transport=transport,
            trust_env=False,
            limits=httpx.Limits(max_connections=pool_size, max_keepalive_connections=pool_size),
        )

    async def post(self, url: str, body: bytes, timeout: float) -> StoreAnswer:
        try:
            response = await self._client.post(url, content=body, headers=_JSON, timeout=timeout)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise NotConnected(f"{url}: {exc!r}") from exc
        except httpx.PoolTimeout as exc:
            # Never sent either, but every endpoint shares this pool: failing over is useless.
            raise StoreUnavailable(f"too many store calls in flight: {exc!r}") from exc
        except httpx.TimeoutException as exc:
            raise StoreTimeout(f"{url} did not answer within {timeout}s") from exc
        except httpx.TransportError as exc:
            raise StoreUnavailable(f"connection to {url} failed mid-call: {exc!r}") from exc
        return StoreAnswer(response.status_code, response.content)

    async def aclose(self) -> None:
        await self._client.aclose()
