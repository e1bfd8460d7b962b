"""Schemathesis over an in-process ASGI app: every operation of its OpenAPI, a bounded number
of generated cases each, sent through httpx's ASGI transport on one event loop (so the app's
background tasks live as long as the app).

What every answer must be: not a 5xx, no traceback, and a refusal (4xx) says what is wrong:
for 422 it names the field.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.openapi import from_dict


@dataclass
class Finding:
    operation: str
    status: int
    request: str
    body: str


@dataclass
class FuzzRun:
    calls: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


def problems_of(response: httpx.Response) -> str | None:
    text = response.text
    if response.status_code >= 500:
        return "a server error"
    if "Traceback (most recent call last)" in text or 'File "/' in text:
        return "a traceback in the body"
    if response.status_code == 422:
        try:
            body = response.json()
        except ValueError:
            return "a 422 that is not JSON"
        fields = [e.get("field") for e in body.get("errors", []) if isinstance(e, dict)]
        if not (any(fields) or body.get("field") or "field" in json.dumps(body.get("detail"))):
            return "a 422 that names no field"
    return None


def fuzz(
    app,
    loop: asyncio.AbstractEventLoop,
    headers: dict[str, str],
    examples: int,
    skip: Callable[[str, str], bool] = lambda method, path: False,
    base_url: str = "http://app",
) -> FuzzRun:
    """Fuzz every operation of `app`'s OpenAPI; returns what was seen and what was wrong."""
    schema = from_dict(app.openapi())
    run = FuzzRun()
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
        base_url=base_url,
        headers=headers,
        timeout=10,
    )
    for result in schema.get_all_operations():
        operation = result.ok()
        if skip(operation.method.upper(), operation.path):
            continue
        _fuzz_operation(operation, client, loop, headers, examples, base_url, run)
    loop.run_until_complete(client.aclose())
    return run


def _fuzz_operation(operation, client, loop, headers, examples, base_url, run) -> None:
    label = f"{operation.method.upper()} {operation.path}"

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def one(case) -> None:
        kwargs = case.as_transport_kwargs(base_url=base_url)
        kwargs.pop("base_url", None)
        kwargs.setdefault("headers", {})
        kwargs["headers"] = {**headers, **{k: str(v) for k, v in kwargs["headers"].items()}}
        response = loop.run_until_complete(client.request(**kwargs))
        run.calls += 1
        run.statuses[response.status_code] = run.statuses.get(response.status_code, 0) + 1
        problem = problems_of(response)
        if problem:
            run.findings.append(
                Finding(
                    label,
                    response.status_code,
                    f"{kwargs.get('method')} {kwargs.get('url')} {kwargs.get('json')!r}"[:300],
                    f"{problem}: {response.text[:300]}",
                )
            )

    one()
