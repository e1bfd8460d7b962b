"""``HttpxTransport``: the store wire on ``httpx.AsyncClient``, for in-process fakes
(``httpx.MockTransport`` in the app tests) and as the store-client bench's baseline.

Its own module so that a served web instance, which always runs on ``AiohttpTransport``
(services/web/store_transport.py), never imports httpx: with the CLI's packages in the
same venv, importing httpx also imports click, rich and pygments (httpx's command line).
"""

from __future__ import annotations

import httpx

from services.web.store_errors import NotConnected, StoreTimeout, StoreUnavailable
from services.web.store_transport import JSON_HEADERS, LEADER_HEADERS, StoreAnswer


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

    async def post(self, url: str, body: bytes, timeout: float, *,
                   require_leader: bool = False) -> StoreAnswer:
        headers = LEADER_HEADERS if require_leader else JSON_HEADERS
        try:
            response = await self._client.post(url, content=body, headers=headers,
                                               timeout=timeout)
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
