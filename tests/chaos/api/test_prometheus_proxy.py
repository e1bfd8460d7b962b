"""The console's Prometheus pass-through forwards exemplar queries (a chart's spike opens the
trace behind it) with their documented parameters only."""

from __future__ import annotations

import httpx

from tests.chaos.console.test_console_routes import PROMETHEUS, client, make_app

EXEMPLARS = {"status": "success", "data": [{
    "seriesLabels": {"__name__": "http_request_duration_seconds_bucket", "instance": "web-2"},
    "exemplars": [{"labels": {"trace_id": "0af7651916cd43dd8448eb211c80319c"},
                   "value": "0.31", "timestamp": 1700000000.5}]}]}


async def test_exemplar_queries_are_forwarded_with_their_params():
    seen = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(200, json=EXEMPLARS)

    async with client(make_app(prometheus=answer)) as http:
        response = await http.get("/api/prom/query_exemplars", params={
            "query": "http_request_duration_seconds_bucket", "start": "1", "end": "61"})
    assert response.status_code == 200
    assert response.json() == EXEMPLARS
    (url,) = seen
    assert str(url).startswith(f"{PROMETHEUS}/api/v1/query_exemplars?")
    assert dict(url.params) == {"query": "http_request_duration_seconds_bucket",
                                "start": "1", "end": "61"}


async def test_an_exemplar_query_with_an_unknown_param_is_refused_naming_the_allowed_ones():
    async with client(make_app(prometheus=lambda request: httpx.Response(500))) as http:
        response = await http.get("/api/prom/query_exemplars",
                                  params={"query": "up", "step": "1"})
    assert response.status_code == 400
    assert "step" in response.json()["error"]
    assert "allowed: end, query, start" in response.json()["error"]
