"""The load balancer's hop in a trace, derived from HAProxy's access log.

HAProxy (Debian's 2.6, no OpenTelemetry filter) makes no span, but it writes one access line
per request with the trace id (chaos/stack/haproxy.py), which the central log store keeps.
When a trace is read, each of its access lines becomes one span:

* service `lb`, kind `server` (the hop that receives the client's request; HAProxy's own
  OpenTelemetry filter, where it exists, also makes a server span for its frontend);
* start = the line's accept time (ms), duration = `Tt`;
* attributes: HAProxy's fields only (status, timers, chosen server, retries and redispatch,
  termination state, bytes, method and path) and `gameday.derived_from = "haproxy access
  log"`, so nobody mistakes it for an instrumented span; during a drill it names no fault
  because HAProxy's line does not;
* a deterministic span id (a hash of the trace id and the line), the same on every read;
* its parent is the incoming `traceparent`'s span (the parent web's server span had), and
  web's server span(s) of that request become its children.

Which lb span a web server span goes under, when a trace has several access lines (a client
that sent the same traceparent twice): the one whose chosen server is that web instance and
whose window holds the span's start, else the nearest. Clocks may disagree (a web span
outside the lb window): both are kept; no span is ever dropped. A trace with no access line
is returned unchanged.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from chaos.logs.entry import LogEntry
from chaos.traces.spans import Span

SERVICE = "lb"
KIND = "server"
DERIVED_FROM = "haproxy access log"
ACCESS_LOGGER = "haproxy.access"

_INT = r"[+-]?\d+"
_FIELDS = re.compile(
    rf"^status=(?P<status>{_INT}) Tq=(?P<tq>{_INT}) Tw=(?P<tw>{_INT}) Tc=(?P<tc>{_INT}) "
    rf"Tr=(?P<tr>{_INT}) Tt=(?P<tt>{_INT}) server=(?P<backend>[^/\s]*)/(?P<server>\S*) "
    rf"retries=(?P<retries>{_INT}) term=(?P<term>\S+)"
    rf"(?: bytes=(?P<bytes>{_INT}))?")
_REQUEST = re.compile(r'"(?P<method>[A-Z]+) (?P<target>\S+)(?: [^"]*)?"\s*$')
MAX_NAME = 200


@dataclass(frozen=True, slots=True)
class AccessLine:
    """One parsed access line; timers in ms, -1 when the request never reached that step."""

    accept: float  # unix seconds
    status: int
    tq: int
    tw: int
    tc: int
    tr: int
    tt: int
    backend: str
    server: str
    retries: int
    redispatched: bool
    termination: str
    bytes: int | None
    method: str | None
    path: str | None
    raw: str


def parse_access(entry: LogEntry) -> AccessLine | None:
    """`entry` (an `lb` line of the log store) as an access line, or None when it is not one."""
    if entry.logger != ACCESS_LOGGER:
        return None
    fields = _FIELDS.match(entry.message)
    if fields is None:
        return None
    request = _REQUEST.search(entry.message)
    retries = fields["retries"]
    return AccessLine(
        accept=entry.time, status=int(fields["status"]), tq=int(fields["tq"]),
        tw=int(fields["tw"]), tc=int(fields["tc"]), tr=int(fields["tr"]),
        tt=int(fields["tt"].lstrip("+")), backend=fields["backend"], server=fields["server"],
        retries=int(retries.lstrip("+")), redispatched=retries.startswith("+"),
        termination=fields["term"],
        bytes=int(fields["bytes"]) if fields["bytes"] is not None else None,
        method=request["method"] if request else None,
        path=request["target"].split("?", 1)[0] if request else None, raw=entry.message)


def span_id_of(trace_id: str, line: AccessLine) -> str:
    """16 hex digits, the same for the same line on every read."""
    digest = hashlib.sha256(f"{trace_id} {line.accept:.3f} {line.raw}".encode()).hexdigest()
    return digest[:16]


def lb_span(trace_id: str, line: AccessLine, parent_span_id: str | None) -> Span:
    start_ns = round(line.accept * 1e3) * 1_000_000  # HAProxy logs the accept time in ms
    attributes: dict = {
        "gameday.derived_from": DERIVED_FROM,
        "http.response.status_code": line.status,
        "haproxy.backend": line.backend,
        "haproxy.server": line.server,
        "haproxy.timer.tq_ms": line.tq, "haproxy.timer.tw_ms": line.tw,
        "haproxy.timer.tc_ms": line.tc, "haproxy.timer.tr_ms": line.tr,
        "haproxy.timer.tt_ms": line.tt,
        "haproxy.retries": line.retries,
        "haproxy.redispatched": line.redispatched,
        "haproxy.termination_state": line.termination,
    }
    if line.bytes is not None:
        attributes["haproxy.bytes_read"] = line.bytes
    if line.method is not None:
        attributes["http.request.method"] = line.method
        attributes["url.path"] = line.path
    name = f"{line.method} {line.path}"[:MAX_NAME] if line.method else "HTTP request"
    return Span(trace_id=trace_id, span_id=span_id_of(trace_id, line),
                parent_span_id=parent_span_id, service=SERVICE, name=name,
                start_ns=start_ns, end_ns=start_ns + max(0, line.tt) * 1_000_000, kind=KIND,
                status="error" if line.status >= 500 or line.status <= 0 else "unset",
                attributes=attributes)


def _entries(spans: Sequence[Span]) -> list[Span]:
    """The server spans that came in through the load balancer: no parent, a parent that is
    not stored (the load generator's), or a caller's client span of another service."""
    by_id = {s.span_id: s for s in spans}
    found = []
    for span in spans:
        if span.kind != "server":
            continue
        parent = by_id.get(span.parent_span_id) if span.parent_span_id else None
        if parent is None or (parent.kind == "client" and parent.service != span.service):
            found.append(span)
    return found


def _distance(span: Span, lb: Span) -> int:
    if lb.start_ns <= span.start_ns <= lb.end_ns:
        return 0
    return min(abs(span.start_ns - lb.start_ns), abs(span.start_ns - lb.end_ns))


def with_lb_spans(trace_id: str, spans: Sequence[Span], entries: Sequence[LogEntry]
                  ) -> list[Span]:
    """`spans` plus one lb span per access line of `entries`, with web's incoming server
    spans re-parented under them; by start time. Unchanged without an access line."""
    lines = sorted({span_id_of(trace_id, a): a for a in filter(None, map(parse_access, entries))
                    }.values(), key=lambda a: a.accept)
    if not lines:
        return list(spans)
    ids = {s.span_id for s in spans}
    incoming = _entries(spans)
    # The incoming traceparent's span: what web's server span had as its parent.
    outer = next((s.parent_span_id for s in incoming if s.parent_span_id), None)
    made = [lb_span(trace_id, line, outer) for line in lines
            if span_id_of(trace_id, line) not in ids]
    if not made:
        return list(spans)
    chosen: dict[str, Span] = {}
    for span in incoming:
        best = min(made, key=lambda lb: (lb.attributes["haproxy.server"] != span.service,
                                         _distance(span, lb), lb.start_ns))
        chosen[span.span_id] = best
    for index, lb in enumerate(made):  # each lb span under the parent its children had
        kids = [s for s in incoming if chosen[s.span_id] is lb and s.parent_span_id]
        if kids and kids[0].parent_span_id != lb.parent_span_id:
            made[index] = replace(lb, parent_span_id=kids[0].parent_span_id)
    result = [replace(s, parent_span_id=chosen[s.span_id].span_id) if s.span_id in chosen
              else s for s in spans]
    return sorted([*result, *made], key=lambda s: (s.start_ns, s.span_id))


class LbHop:
    """Adds the load balancer's hop to a stored trace. `access_lines(trace_id)` gives the
    log store's lines of that trace (already filtered by whatever a drill withholds)."""

    def __init__(self, access_lines: Callable[[str], Sequence[LogEntry]]):
        self._access_lines = access_lines

    def add(self, trace_id: str, spans: Sequence[Span]) -> list[Span]:
        if not spans:
            return list(spans)
        return with_lb_spans(trace_id, spans, self._access_lines(trace_id))
