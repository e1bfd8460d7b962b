"""Every request of the load generator starts a trace: a fresh, valid W3C `traceparent`."""

from __future__ import annotations

import random
import re
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from opentelemetry import trace
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from services.loadgen import mix
from services.loadgen.mix import KeySpace
from services.loadgen.operations import Operations
from services.loadgen.tracecontext import sample_ratio, traceparent

W3C = re.compile(r"^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$")


def test_a_traceparent_is_valid_w3c_and_new_each_time():
    made = {traceparent(1.0) for _ in range(1000)}
    assert len(made) == 1000 and all(W3C.match(h) for h in made)
    header = next(iter(made))
    context = TraceContextTextMapPropagator().extract({"traceparent": header})
    span_context = trace.get_current_span(context).get_span_context()
    assert span_context.is_valid and span_context.trace_flags.sampled
    assert format(span_context.trace_id, "032x") == header.split("-")[1]


def test_the_ratio_decides_the_sampled_flag():
    assert all(traceparent(1.0).endswith("-01") for _ in range(100))
    assert all(traceparent(0.0).endswith("-00") for _ in range(100))
    share = sum(traceparent(0.1).endswith("-01") for _ in range(10_000)) / 10_000
    assert 0.07 < share < 0.13


def test_the_ratio_comes_from_the_environment_and_is_checked():
    assert sample_ratio({}) == 0.05
    assert sample_ratio({"GAMEDAY_TRACE_SAMPLE_RATIO": "1"}) == 1.0
    for bad in ("2", "-0.1", "half"):
        with pytest.raises(ValueError, match="from 0 to 1"):
            sample_ratio({"GAMEDAY_TRACE_SAMPLE_RATIO": bad})


class FakeClient:
    def __init__(self) -> None:
        self.headers: list[dict] = []

    @contextmanager
    def request(self, method, path, *, name, json, headers, catch_response):
        self.headers.append(headers)
        yield SimpleNamespace(status_code=404, error=None, success=lambda: None,
                              failure=lambda _: None, json=lambda: None)


class Quiet:
    def request(self, *args) -> None:
        return None

    def history(self, *args) -> None:
        return None


def test_each_request_of_the_mix_sends_its_own_traceparent():
    client = FakeClient()
    operations = Operations(KeySpace(), Quiet())
    rng = random.Random(1)
    for _ in range(3):
        operations.run(mix.GET_HOT, client, rng)
    sent = [h["traceparent"] for h in client.headers]
    assert len(set(sent)) == 3 and all(W3C.match(h) for h in sent)
