"""The load balancer's hop, derived from HAProxy's access lines: one span per line, web's
incoming server span(s) under it, nothing dropped, and a trace without a line unchanged."""

from __future__ import annotations

from chaos.logs.entry import LogEntry
from chaos.logs.parse import parse
from chaos.traces.lb_span import LbHop, parse_access, with_lb_spans
from chaos.traces.spans import Span

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
OUTER = "00f067aa0ba902b7"  # the load generator's span: in the traceparent, never stored
T0 = 1_796_133_731.042
MS = 1_000_000


def access(accept: float = T0, *, status: int = 200, server: str = "web-2", tt: int = 40,
           retries: str = "0", term: str = "----", tr: int = 30, level: int = 134,
           component: str = "lb", entry_id: int = 1) -> LogEntry:
    """An lb line as the store keeps it, parsed by the store's own parser."""
    line = parse(f"<{level}>{accept:.3f} status={status} Tq=1 Tw=0 Tc=1 Tr={tr} Tt={tt} "
                 f"server=web/{server} retries={retries} term={term} bytes=321 "
                 f'trace_id={TRACE} "GET /kv/live/a?x=1 HTTP/1.1"')
    return LogEntry(id=entry_id, time=line.time, component=component, level=line.level,
                    logger=line.logger, message=line.message, trace_id=line.trace_id,
                    span_id=None)


def web(service: str = "web-2", *, start: float = T0 + 0.002, ms: int = 35,
        parent: str | None = OUTER, span_id: str = "a000000000000001") -> list[Span]:
    """Web's server span and one store call under it."""
    start_ns = round(start * 1e9)
    server = Span(TRACE, span_id, parent, service, "GET /kv/{key}", start_ns,
                  start_ns + ms * MS, kind="server",
                  attributes={"http.response.status_code": 200})
    call = Span(TRACE, span_id[:-1] + "f", span_id, service, "store get", start_ns + MS,
                start_ns + 2 * MS, kind="client", attributes={"store.outcome": "ok"})
    return [server, call]


def by_service(spans: list[Span]) -> dict[str, list[Span]]:
    found: dict[str, list[Span]] = {}
    for span in spans:
        found.setdefault(span.service, []).append(span)
    return found


def test_without_an_access_line_the_trace_is_unchanged():
    spans = web()
    assert with_lb_spans(TRACE, spans, []) == spans
    other = LogEntry(1, T0, "lb", "warning", "haproxy", "Server web/web-1 is DOWN", None, None)
    assert with_lb_spans(TRACE, spans, [other]) == spans


def test_an_access_line_is_the_root_lb_span_with_webs_server_span_under_it():
    spans = web()
    made = with_lb_spans(TRACE, spans, [access()])
    assert len(made) == 3
    lb, server, call = made  # by start time
    assert (lb.service, lb.kind, lb.name) == ("lb", "server", "GET /kv/live/a")
    assert lb.parent_span_id == OUTER  # the incoming traceparent's span, as web had it
    assert server.parent_span_id == lb.span_id and call.parent_span_id == server.span_id
    assert lb.start_ns == 1_796_133_731_042 * MS and lb.duration_ns == 40 * MS
    assert lb.status == "unset"
    a = lb.attributes
    assert a["gameday.derived_from"] == "haproxy access log"
    assert (a["haproxy.server"], a["haproxy.backend"], a["http.response.status_code"]) == (
        "web-2", "web", 200)
    assert [a[f"haproxy.timer.{t}_ms"] for t in ("tq", "tw", "tc", "tr", "tt")] == [
        1, 0, 1, 30, 40]
    assert (a["haproxy.retries"], a["haproxy.redispatched"],
            a["haproxy.termination_state"]) == (0, False, "----")
    assert (a["haproxy.bytes_read"], a["http.request.method"], a["url.path"]) == (
        321, "GET", "/kv/live/a")


def test_the_span_id_is_the_same_on_every_read_and_differs_per_line():
    first = with_lb_spans(TRACE, web(), [access()])[0]
    again = with_lb_spans(TRACE, web(), [access(entry_id=99)])[0]
    other = with_lb_spans(TRACE, web(), [access(T0 + 1)])[0]
    assert first.span_id == again.span_id != other.span_id
    assert len(first.span_id) == 16 and int(first.span_id, 16) >= 0


def test_a_users_request_without_traceparent_makes_the_lb_span_the_root():
    lb, server, _ = with_lb_spans(TRACE, web(parent=None), [access()])
    assert lb.parent_span_id is None and server.parent_span_id == lb.span_id


def test_a_retried_request_puts_both_web_attempts_under_its_one_lb_span():
    first = web("web-1", start=T0 + 0.002, ms=20, span_id="b000000000000001")
    second = web("web-2", start=T0 + 0.025, span_id="c000000000000001")
    made = with_lb_spans(TRACE, first + second, [access(retries="+1", tt=70)])
    lb = by_service(made)["lb"]
    assert len(lb) == 1 and lb[0].attributes["haproxy.redispatched"] is True
    assert lb[0].attributes["haproxy.retries"] == 1
    servers = [s for s in made if s.kind == "server" and s.service != "lb"]
    assert {s.parent_span_id for s in servers} == {lb[0].span_id}
    assert len(made) == 5


def test_several_lines_each_get_the_web_span_of_their_server_and_window():
    early = web("web-1", start=T0 + 0.002, span_id="b000000000000001")
    late = web("web-2", start=T0 + 1.002, span_id="c000000000000001")
    lines = [access(T0 + 1, server="web-2", entry_id=2), access(T0, server="web-1")]
    made = with_lb_spans(TRACE, early + late, lines)
    lbs = {s.attributes["haproxy.server"]: s for s in made if s.service == "lb"}
    assert set(lbs) == {"web-1", "web-2"}
    parent = {s.service: s.parent_span_id for s in made if s.name == "GET /kv/{key}"}
    assert parent == {"web-1": lbs["web-1"].span_id, "web-2": lbs["web-2"].span_id}


def test_clock_skew_keeps_every_span_the_web_span_outside_the_lb_window_included():
    spans = web(start=T0 - 0.050)  # web's clock 50 ms behind HAProxy's
    made = with_lb_spans(TRACE, spans, [access(tt=10)])
    assert len(made) == 3
    lb = by_service(made)["lb"][0]
    server = next(s for s in made if s.name == "GET /kv/{key}")
    assert server.start_ns < lb.start_ns and server.parent_span_id == lb.span_id
    assert made[0] is server  # still by start time


def test_an_answer_haproxy_made_itself_is_an_lb_span_in_error_with_no_server():
    made = with_lb_spans(TRACE, web(), [access(status=503, server="<NOSRV>", tr=-1,
                                               term="SC--", level=131)])
    lb = by_service(made)["lb"][0]
    assert lb.status == "error" and lb.attributes["haproxy.timer.tr_ms"] == -1
    assert lb.attributes["haproxy.termination_state"] == "SC--"
    assert lb.attributes["haproxy.server"] == "<NOSRV>"


def test_only_haproxys_own_fields_are_attributes():
    lb = with_lb_spans(TRACE, web(), [access()])[0]
    assert all(k.startswith(("haproxy.", "http.", "url.")) or k == "gameday.derived_from"
               for k in lb.attributes)
    assert lb.status_message == ""


def test_a_line_that_is_not_an_access_line_is_no_span():
    plain = LogEntry(1, T0, "lb", "info", "haproxy.access", "status=oops", TRACE, None)
    assert parse_access(plain) is None
    assert parse_access(access()) is not None


def test_the_hop_asks_its_collaborator_for_the_trace_and_skips_an_empty_trace():
    asked: list[str] = []

    def lines(trace_id: str) -> list[LogEntry]:
        asked.append(trace_id)
        return [access()]

    hop = LbHop(lines)
    assert hop.add(TRACE, []) == [] and asked == []
    made = hop.add(TRACE, web())
    assert asked == [TRACE] and [s.service for s in made] == ["lb", "web-2", "web-2"]
