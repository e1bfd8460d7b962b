"""A thin client for Prometheus' HTTP API: instant queries, ranges and firing alerts."""

from __future__ import annotations

import math

import httpx

from chaos.scenarios.probes import QueryFailed

QUERY_TIMEOUT_SECONDS = 3.0


class Prometheus:
    def __init__(self, base_url: str, http: httpx.AsyncClient | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = http or httpx.AsyncClient(timeout=QUERY_TIMEOUT_SECONDS)

    async def _get(self, path: str, params: dict) -> dict:
        try:
            response = await self.http.get(f"{self.base_url}{path}", params=params)
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise QueryFailed(f"{type(exc).__name__}: {exc}") from None
        if body.get("status") != "success":
            raise QueryFailed(body.get("error") or f"HTTP {response.status_code}")
        return body["data"]

    async def values(self, expr: str) -> list[float]:
        """The value of every series the query returns now (the probes' Query)."""
        data = await self._get("/api/v1/query", {"query": expr})
        if data["resultType"] == "scalar":
            return [float(data["result"][1])]
        return [float(item["value"][1]) for item in data["result"]]

    async def vector(self, expr: str, at: float) -> list[tuple[dict[str, str], float]]:
        """Every series of an instant query at `at`, with its labels; NaN dropped."""
        data = await self._get("/api/v1/query", {"query": expr, "time": f"{at:.3f}"})
        if data["resultType"] == "scalar":
            points = [({}, float(data["result"][1]))]
        else:
            points = [(item["metric"], float(item["value"][1])) for item in data["result"]]
        return [(labels, v) for labels, v in points if not math.isnan(v)]

    async def value_at(self, expr: str, at: float) -> float | None:
        data = await self._get("/api/v1/query", {"query": expr, "time": f"{at:.3f}"})
        found = [float(item["value"][1]) for item in data["result"]]
        return found[0] if found and not math.isnan(found[0]) else None

    async def range(self, expr: str, start: float, end: float, step: float = 1.0
                    ) -> list[tuple[float, float]]:
        """(time, value) points of the first series, NaN dropped; the charts want one line."""
        data = await self._get("/api/v1/query_range", {
            "query": expr, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": f"{step:g}"})
        if not data["result"]:
            return []
        return [(float(t), float(v)) for t, v in data["result"][0]["values"]
                if not math.isnan(float(v))]

    async def firing_alerts(self) -> set[str]:
        data = await self._get("/api/v1/query", {"query": 'ALERTS{alertstate="firing"}'})
        return {item["metric"].get("alertname", "?") for item in data["result"]}

    async def close(self) -> None:
        await self.http.aclose()
