"""The embedded trace store: spans in SQLite under the controller's state directory.

Bounded, and the bounds are enforced on every write:

* **age**: a trace that started more than `max_age_seconds` ago is deleted whole;
* **size**: the stored spans' bytes (their ids, names and JSON attributes as written) are kept
  at or under `max_bytes`; past it the oldest traces are deleted whole until the total is
  back under 90% of it. The SQLite file is larger than that total by its indexes and page
  slack (about 2x), and reuses the space freed, so the file stays bounded too.

A trace is deleted whole, never span by span, so a trace that is listed is complete as far as
it arrived. Spans of one trace come from several processes at different times; the trace's
summary row (start, end, span count, errors, bytes) is kept up to date as they arrive.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from chaos.bounded_sqlite import BoundedSqlite
from chaos.traces.spans import Span

_SCHEMA = """
CREATE TABLE IF NOT EXISTS spans (
    trace_id TEXT NOT NULL, span_id TEXT NOT NULL, parent_span_id TEXT,
    service TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL,
    start_ns INTEGER NOT NULL, end_ns INTEGER NOT NULL,
    status TEXT NOT NULL, status_message TEXT NOT NULL, attributes TEXT NOT NULL,
    PRIMARY KEY (trace_id, span_id));
CREATE TABLE IF NOT EXISTS traces (
    trace_id TEXT PRIMARY KEY, start_ns INTEGER NOT NULL, end_ns INTEGER NOT NULL,
    spans INTEGER NOT NULL, errors INTEGER NOT NULL, bytes INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS traces_by_start ON traces (start_ns);
"""


@dataclass(frozen=True, slots=True)
class TraceSummary:
    trace_id: str
    root_service: str
    root_name: str
    start_ns: int
    duration_ns: int
    span_count: int
    error: bool


@dataclass(frozen=True, slots=True)
class TraceQuery:
    service: str | None = None
    min_duration_ns: int = 0
    error: bool | None = None
    since_ns: int = 0
    until_ns: int | None = None  # started at or before (None: no upper bound)
    order: str = "recent"  # "recent" (newest first) or "slowest"
    limit: int = 50


def _row_bytes(span: Span, attributes: str) -> int:
    return (len(span.trace_id) + len(span.span_id) + len(span.parent_span_id or "")
            + len(span.service) + len(span.name) + len(span.kind) + len(span.status)
            + len(span.status_message) + len(attributes) + 16)


class TraceStore(BoundedSqlite):
    SCHEMA = _SCHEMA
    SIZED_TABLE = "traces"

    # -- writing -----------------------------------------------------------------------------

    def add(self, spans: Iterable[Span]) -> int:
        """Store `spans` (a span already stored is ignored); returns how many were new."""
        added = 0
        with self._writing():
            for span in spans:
                added += self._insert(span)
            self._expire()
        return added

    def _insert(self, span: Span) -> int:
        attributes = json.dumps(span.attributes, separators=(",", ":"), default=str)
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO spans VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (span.trace_id, span.span_id, span.parent_span_id, span.service, span.name,
             span.kind, span.start_ns, span.end_ns, span.status, span.status_message,
             attributes))
        if cursor.rowcount != 1:
            return 0
        size = _row_bytes(span, attributes)
        self._db.execute(
            "INSERT INTO traces VALUES (?,?,?,1,?,?) ON CONFLICT (trace_id) DO UPDATE SET "
            "start_ns = MIN(start_ns, excluded.start_ns), end_ns = MAX(end_ns, excluded.end_ns), "
            "spans = spans + 1, errors = errors + excluded.errors, bytes = bytes + excluded.bytes",
            (span.trace_id, span.start_ns, span.end_ns, int(span.status == "error"), size))
        self._bytes += size
        return 1

    def _expire(self) -> None:
        cutoff = int((self._clock() - self.max_age_seconds) * 1e9)
        self._delete("SELECT trace_id FROM traces WHERE start_ns < ?", (cutoff,))
        if self._bytes <= self.max_bytes:
            return
        # Trim to 90% of the bound, so a full store does not trim on every write.
        target = int(self.max_bytes * 0.9)
        while self._bytes > target:
            count = self._db.execute("SELECT COUNT(*) FROM traces").fetchone()[0]
            if count == 0:
                break
            self._delete("SELECT trace_id FROM traces ORDER BY start_ns LIMIT ?",
                         (max(1, count // 20),))

    def _delete(self, select: str, params: tuple) -> None:
        doomed = [row[0] for row in self._db.execute(select, params)]
        for start in range(0, len(doomed), 500):
            chunk = doomed[start:start + 500]
            marks = ",".join("?" * len(chunk))
            freed = self._db.execute(
                f"SELECT COALESCE(SUM(bytes), 0) FROM traces WHERE trace_id IN ({marks})",
                chunk).fetchone()[0]
            self._db.execute(f"DELETE FROM spans WHERE trace_id IN ({marks})", chunk)
            self._db.execute(f"DELETE FROM traces WHERE trace_id IN ({marks})", chunk)
            self._bytes -= freed

    # -- reading -----------------------------------------------------------------------------

    def traces(self, query: TraceQuery) -> list[TraceSummary]:
        where, params = ["start_ns >= ?", "end_ns - start_ns >= ?"], \
            [query.since_ns, query.min_duration_ns]
        if query.until_ns is not None:
            where.append("start_ns <= ?")
            params.append(query.until_ns)
        if query.error is not None:
            where.append("errors > 0" if query.error else "errors = 0")
        if query.service is not None:
            where.append("EXISTS (SELECT 1 FROM spans s WHERE s.trace_id = t.trace_id "
                         "AND s.service = ?)")
            params.append(query.service)
        order = "end_ns - start_ns DESC" if query.order == "slowest" else "start_ns DESC"
        with self._lock:
            rows = self._db.execute(
                f"SELECT trace_id, start_ns, end_ns, spans, errors FROM traces t "
                f"WHERE {' AND '.join(where)} ORDER BY {order} LIMIT ?",
                (*params, query.limit)).fetchall()
            roots = self._roots([row[0] for row in rows])
        return [TraceSummary(trace_id=tid, root_service=roots[tid][0], root_name=roots[tid][1],
                             start_ns=start, duration_ns=end - start, span_count=count,
                             error=errors > 0)
                for tid, start, end, count, errors in rows]

    def _roots(self, trace_ids: list[str]) -> dict[str, tuple[str, str]]:
        """Each trace's root: its earliest span whose parent is not in the store (the load
        generator's span is not exported, so web's server span is the root it has)."""
        spans: dict[str, list[tuple]] = {tid: [] for tid in trace_ids}
        for start in range(0, len(trace_ids), 500):
            chunk = trace_ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self._db.execute(
                    f"SELECT trace_id, span_id, parent_span_id, service, name, start_ns "
                    f"FROM spans WHERE trace_id IN ({marks})", chunk):
                spans[row[0]].append(row)
        roots = {}
        for tid, rows in spans.items():
            ids = {row[1] for row in rows}
            orphans = [row for row in rows if row[2] is None or row[2] not in ids] or rows
            root = min(orphans, key=lambda row: row[5])
            roots[tid] = (root[3], root[4])
        return roots

    def trace(self, trace_id: str) -> list[Span]:
        """Every stored span of `trace_id`, by start time (empty when there is none)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT trace_id, span_id, parent_span_id, service, name, kind, start_ns, "
                "end_ns, status, status_message, attributes FROM spans WHERE trace_id = ? "
                "ORDER BY start_ns, span_id", (trace_id,)).fetchall()
        return [Span(trace_id=r[0], span_id=r[1], parent_span_id=r[2], service=r[3], name=r[4],
                     kind=r[5], start_ns=r[6], end_ns=r[7], status=r[8], status_message=r[9],
                     attributes=json.loads(r[10])) for r in rows]
