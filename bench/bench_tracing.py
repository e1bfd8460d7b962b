"""CPU cost of web's tracing per request (reports numbers; not a test).

Calls the whole web app in-process (every middleware, the route, the store client) for
``GET /kv/{key}`` with a canned store answer, so only this process's CPU is measured, in
variants: tracing off, off again (the noise floor), a request without ``traceparent`` (recorded,
its spans encoded as OTLP protobuf the way the exporter does, the flush charged to it), one with
an unsampled ``traceparent`` (most of the load generator's), and no exporter configured. Rounds
run in a shuffled order; medians are reported.

    python bench/bench_tracing.py [--rounds 10] [--requests 2000] [--ratio 0.1]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans  # noqa: E402
from opentelemetry.sdk.trace.export import (  # noqa: E402
    BatchSpanProcessor,
    SpanExporter,
    SpanExportResult,
)
from prometheus_client import CollectorRegistry  # noqa: E402

from services.web.app import create_app  # noqa: E402
from services.web.settings import WebSettings  # noqa: E402
from services.web.store_transport import StoreAnswer  # noqa: E402

ANSWER = (b'{"header":{"revision":"7"},"kvs":[{"key":"YQ==","value":"eA==","mod_revision":"5",'
          b'"create_revision":"5","version":"1"}],"count":"1"}')
UNSAMPLED = [(b"traceparent", b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")]


class CannedStore:
    async def post(self, url: str, body: bytes, timeout: float, *,
                   require_leader: bool = False) -> StoreAnswer:
        return StoreAnswer(200, ANSWER)

    async def aclose(self) -> None:
        return None


class EncodingExporter(SpanExporter):
    """Encodes like the OTLP/HTTP exporter, sends nowhere."""

    def export(self, spans):
        encode_spans(spans).SerializeToString()
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        return None


def variant(tracing: bool, exporting: bool):
    processor = BatchSpanProcessor(EncodingExporter(), schedule_delay_millis=1000) \
        if exporting else None
    settings = WebSettings(name="web-bench", store_endpoints=["http://store:2379"],
                           tracing=tracing)
    app = create_app(settings, CollectorRegistry(), store_transport=CannedStore(),
                     span_processor=processor)
    return app, processor


async def cpu_per_request(app, processor, requests: int, headers: list) -> float:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "GET", "scheme": "http", "path": "/kv/a", "raw_path": b"/kv/a",
             "query_string": b"", "root_path": "", "headers": [(b"host", b"web"), *headers],
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        return None

    started = time.process_time()  # every thread: the exporter's encoding included
    for _ in range(requests):
        await app(dict(scope), receive, send)
    if processor is not None:
        processor.force_flush()
    return (time.process_time() - started) / requests * 1e6


async def main(rounds: int, requests: int, ratio: float) -> None:
    variants = {
        "tracing off": (*variant(False, False), []),
        "tracing off (again: noise)": (*variant(False, False), []),
        "no traceparent (recorded)": (*variant(True, True), []),
        "unsampled traceparent": (*variant(True, True), UNSAMPLED),
        "no exporter configured": (*variant(True, False), []),
    }
    results: dict[str, list[float]] = {name: [] for name in variants}
    for app, processor, headers in variants.values():
        await cpu_per_request(app, processor, 300, headers)  # warm-up
    for _ in range(rounds):
        order = list(variants.items())
        random.shuffle(order)
        for name, (app, processor, headers) in order:
            gc.collect()
            results[name].append(await cpu_per_request(app, processor, requests, headers))
    median = {name: statistics.median(values) for name, values in results.items()}
    off = median["tracing off"]
    print(f"CPU per GET /kv/{{key}}, in-process, median of {rounds} shuffled rounds "
          f"of {requests} requests")
    for name, value in median.items():
        print(f"{name:<30} {value:7.0f} us   {(value / off - 1) * 100:+5.0f}%")
    mix = ratio * median["no traceparent (recorded)"] + \
        (1 - ratio) * median["unsampled traceparent"]
    label = f"load generator mix at {ratio:g}"
    print(f"{label:<30} {mix:7.0f} us   {(mix / off - 1) * 100:+5.0f}%")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--ratio", type=float, default=0.1, help="the loadgen's sample ratio")
    args = parser.parse_args()
    asyncio.run(main(args.rounds, args.requests, args.ratio))
