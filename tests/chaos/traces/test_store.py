"""The trace store: queries, and its size and age bounds enforced on write."""

from __future__ import annotations

from pathlib import Path

from chaos.traces import otlp
from chaos.traces.spans import Span
from chaos.traces.store import TraceQuery, TraceStore
from tests.chaos.traces.exports import export_body, recorded

T0 = 1_700_000_000_000_000_000
MS = 1_000_000


def spans_of(service: str, **kw) -> list[Span]:
    return otlp.decode(export_body(recorded(service, **kw)))


def filler(i: int, start_ns: int, attribute_bytes: int = 400) -> Span:
    return Span(trace_id=f"{i:032x}", span_id=f"{i:016x}", parent_span_id=None,
                service="web-1", name="GET /kv/{key}", start_ns=start_ns,
                end_ns=start_ns + MS, attributes={"pad": "x" * attribute_bytes})


def store_at(tmp_path: Path, now_ns: int = T0, **kw) -> TraceStore:
    return TraceStore(tmp_path / "traces.sqlite", clock=lambda: now_ns / 1e9, **kw)


def test_a_trace_lists_with_its_root_and_reads_back_whole(tmp_path):
    store = store_at(tmp_path)
    spans = spans_of("web-1", store_calls=2, start_ns=T0 - 60_000 * MS)
    assert store.add(spans) == 3
    assert store.add(spans) == 0  # an export sent twice is stored once
    (summary,) = store.traces(TraceQuery())
    assert (summary.root_service, summary.root_name) == ("web-1", "GET /kv/{key}")
    assert summary.span_count == 3 and summary.duration_ns == 30 * MS and not summary.error
    back = store.trace(summary.trace_id)
    assert [s.name for s in back] == ["GET /kv/{key}", "store get", "store get"]
    assert back[1].attributes["store.endpoint"] == "http://store-1"
    assert store.trace("0" * 32) == []


def test_a_root_whose_parent_never_arrived_is_still_the_root(tmp_path):
    # The load generator's span is not exported: web's server span has a parent id that the
    # store never sees, and is the root it lists.
    store = store_at(tmp_path)
    server = Span(trace_id="a" * 32, span_id="1" * 16, parent_span_id="f" * 16,
                  service="web-3", name="PUT /kv/{key}", start_ns=T0 - 5 * MS, end_ns=T0)
    child = Span(trace_id="a" * 32, span_id="2" * 16, parent_span_id="1" * 16,
                 service="web-3", name="store put", start_ns=T0 - 4 * MS, end_ns=T0 - MS)
    store.add([child, server])
    (summary,) = store.traces(TraceQuery())
    assert summary.root_name == "PUT /kv/{key}"


def test_filters_and_orders(tmp_path):
    store = store_at(tmp_path)
    store.add(spans_of("web-1", store_calls=1, start_ns=T0 - 100_000 * MS))  # 20 ms, old
    store.add(spans_of("web-2", store_calls=3, error=True, start_ns=T0 - 1_000 * MS))  # 40 ms
    store.add(spans_of("web-3", store_calls=2, start_ns=T0 - 2_000 * MS))  # 30 ms
    services = lambda q: [s.root_service for s in store.traces(q)]  # noqa: E731
    assert services(TraceQuery()) == ["web-2", "web-3", "web-1"]
    assert services(TraceQuery(order="slowest")) == ["web-2", "web-3", "web-1"]
    assert services(TraceQuery(order="slowest", limit=1)) == ["web-2"]
    assert services(TraceQuery(error=True)) == ["web-2"]
    assert services(TraceQuery(error=False)) == ["web-3", "web-1"]
    assert services(TraceQuery(service="web-3")) == ["web-3"]
    assert services(TraceQuery(min_duration_ns=30 * MS)) == ["web-2", "web-3"]
    assert services(TraceQuery(since_ns=T0 - 10_000 * MS)) == ["web-2", "web-3"]
    assert services(TraceQuery(until_ns=T0 - 1_500 * MS)) == ["web-3", "web-1"]
    assert services(TraceQuery(since_ns=T0 - 10_000 * MS, until_ns=T0 - 1_500 * MS)) == [
        "web-3"]


def test_age_bound_deletes_old_traces_on_write(tmp_path):
    store = store_at(tmp_path, max_age_seconds=60)
    store.add([filler(1, T0 - 120_000 * MS)])  # two minutes old: gone at once
    store.add([filler(2, T0 - 30_000 * MS)])
    assert [s.trace_id for s in store.traces(TraceQuery())] == [f"{2:032x}"]


def test_size_bound_is_enforced_when_filled_past_it(tmp_path):
    limit = 200_000
    store = store_at(tmp_path, max_bytes=limit)
    written = 0
    for batch in range(40):  # about 20x the limit, in exporter-sized batches
        spans = [filler(batch * 10 + i, T0 - (10_000 - batch * 10 - i) * MS) for i in range(10)]
        store.add(spans)
        written += 10
        assert store.stored_bytes <= limit
    kept = store.traces(TraceQuery(limit=1000))
    assert 0 < len(kept) < written
    # The newest survive; the oldest went first, whole.
    assert kept[0].trace_id == f"{written - 1:032x}"
    assert min(int(s.trace_id, 16) for s in kept) > written - len(kept) - 10
    # The file reuses what was freed: bounded too (indexes and page slack included).
    store.close()
    assert (tmp_path / "traces.sqlite").stat().st_size < 4 * limit + 64 * 1024


def test_the_bound_survives_a_reopen(tmp_path):
    store = store_at(tmp_path, max_bytes=50_000)
    store.add([filler(i, T0 - (1000 - i) * MS) for i in range(50)])
    before = store.stored_bytes
    store.close()
    again = store_at(tmp_path, max_bytes=50_000)
    assert again.stored_bytes == before <= 50_000
