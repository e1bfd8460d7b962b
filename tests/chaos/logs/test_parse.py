"""Each format the stack's components write, as the central log store reads it."""

from __future__ import annotations

import json

from chaos.logs.parse import parse

TRACE = "5b8aa5a2d2c872e8321cf37308d69df2"


def test_a_python_component_json_line():
    line = parse(json.dumps({
        "time": "2026-12-01T14:02:11.250000Z", "level": "warning", "component": "web-2",
        "logger": "services.web.access", "message": "GET /kv/{key} 503", "trace_id": TRACE,
        "span_id": "9f1c2b3d4e5f6071", "exception": "Traceback ...\nValueError: x"}))
    assert line.time == 1796133731.25
    assert (line.level, line.logger, line.trace_id, line.span_id) == (
        "warning", "services.web.access", TRACE, "9f1c2b3d4e5f6071")
    assert line.message == "GET /kv/{key} 503\nTraceback ...\nValueError: x"


def test_a_bad_trace_id_in_json_is_dropped_not_trusted():
    line = parse('{"time": "x", "level": "info", "message": "m", "trace_id": "not hex"}')
    assert line.trace_id is None and line.time is None and line.message == "m"


def test_etcd_zap_json_keeps_its_fields_searchable():
    line = parse('{"level":"warn","ts":"2026-12-01T14:02:11.500Z","caller":"etcdserver/raft.go:1",'
                 '"msg":"lost leader","member":"8e9e05c52164694d","term":3}')
    assert (line.level, line.logger, line.time) == ("warning", "etcdserver/raft.go:1",
                                                    1796133731.5)
    assert line.message == "lost leader member=8e9e05c52164694d term=3"


def test_an_haproxy_access_line_has_its_time_level_and_trace_id():
    line = parse(f'<134>1796133731.042 status=200 Tq=0 Tw=0 Tc=0 Tr=3 Tt=4 server=web/web-2 '
                 f'retries=0 term=---- trace_id={TRACE} "GET /kv/a HTTP/1.1"')
    assert (line.time, line.level, line.logger, line.trace_id) == (
        1796133731.042, "info", "haproxy.access", TRACE)
    assert line.message.startswith("status=200 Tq=0") and "server=web/web-2" in line.message


def test_an_haproxy_error_line_and_alert():
    line = parse('<131>1796133731.042 status=503 Tq=0 Tw=-1 Tc=-1 Tr=-1 Tt=1000 '
                 'server=web/<NOSRV> retries=0 term=SC-- trace_id=- "GET /kv/a HTTP/1.1"')
    assert line.level == "error" and line.trace_id is None
    alert = parse("<129>Server web/web-2 is DOWN, reason: Layer4 connection problem")
    assert (alert.level, alert.logger, alert.time) == ("critical", "haproxy", None)
    assert parse("[WARNING]  (7) : Server web/web-1 is UP").level == "warning"


def test_logfmt_of_prometheus_and_plain_text():
    line = parse('ts=2026-12-01T14:02:11.000Z caller=main.go:1 level=info component=tsdb '
                 'msg="TSDB started"')
    assert (line.level, line.logger, line.message) == ("info", "main.go:1",
                                                       "TSDB started component=tsdb")
    assert line.time == 1796133731.0
    plain = parse("Traceback (most recent call last):\n")
    assert (plain.message, plain.level, plain.time) == ("Traceback (most recent call last):",
                                                        None, None)
    assert parse("{not json").message == "{not json"


def test_go_log_lines_of_etcds_grpc_library_get_their_level_time_and_logger():
    line = parse("WARNING: 2026/12/02 12:02:00 grpc: addrConn.createTransport failed")
    assert (line.level, line.logger, line.message) == (
        "warning", "grpc", "addrConn.createTransport failed")
    assert line.time is not None
    assert parse("WARNING: not a Go log line").level is None
