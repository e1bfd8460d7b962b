"""Schemathesis over a web instance's OpenAPI (in process, the fake etcd behind it, the admin
token given): no 5xx, no traceback, every 422 names its field."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from services.web.app import create_app
from tests.chaos.api.fuzz_harness import fuzz
from tests.services.web.conftest import ADMIN_TOKEN

EXAMPLES = 4  # per operation: a few seconds in all


@pytest.fixture
def loop():
    made = asyncio.new_event_loop()
    asyncio.set_event_loop(made)
    yield made
    made.close()
    asyncio.set_event_loop(None)


def test_a_web_instance_never_answers_5xx_under_fuzzing(loop, fake_etcd, registry, make_settings):
    app = create_app(make_settings(), registry,
                     store_transport=httpx.MockTransport(fake_etcd.handler))
    lifespan = app.router.lifespan_context(app)
    loop.run_until_complete(lifespan.__aenter__())
    try:
        run = fuzz(app, loop, {"Authorization": f"Bearer {ADMIN_TOKEN}"}, EXAMPLES,
                   base_url="http://web")
    finally:
        loop.run_until_complete(lifespan.__aexit__(None, None, None))
    assert run.calls >= 20, run.statuses
    assert run.findings == [], "\n".join(
        f"{f.operation} -> {f.status}: {f.request} :: {f.body}" for f in run.findings[:10])
