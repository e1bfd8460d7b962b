"""The stack's JSON log lines (services/jsonlog.py): the fields the controller's log store
parses, and the trace context of the span current when a record is made."""

from __future__ import annotations

import io
import json
import logging

from opentelemetry.sdk.trace import TracerProvider

from services import jsonlog


def _logged(emit, component: str = "web-2") -> dict:
    stream = io.StringIO()
    logger = logging.getLogger("test.jsonlog")
    handler = logging.StreamHandler(stream)
    handler.setFormatter(jsonlog.JsonFormatter(component))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        emit(logger)
    finally:
        logger.removeHandler(handler)
    [line] = stream.getvalue().splitlines()
    return json.loads(line)


def test_a_record_is_one_json_line_with_the_stack_fields():
    line = _logged(lambda log: log.warning("store %s refused\nnext line", "store-2"))
    assert line["level"] == "warning" and line["component"] == "web-2"
    assert line["logger"] == "test.jsonlog"
    assert line["message"] == "store store-2 refused\nnext line"
    assert line["time"].endswith("Z") and line["time"][10] == "T"
    assert "trace_id" not in line and "span_id" not in line


def test_inside_a_recorded_span_the_line_carries_its_trace_and_span_ids():
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("GET /kv/{key}") as span:
        line = _logged(lambda log: log.info("inside"))
        context = span.get_span_context()
    assert line["trace_id"] == format(context.trace_id, "032x")
    assert line["span_id"] == format(context.span_id, "016x")


def test_a_record_may_name_its_trace_itself_and_exceptions_keep_their_traceback():
    def emit(log):
        try:
            raise ValueError("boom")
        except ValueError:
            log.exception("failed", extra={"trace_id": "ab" * 16})
    line = _logged(emit)
    assert line["trace_id"] == "ab" * 16 and "span_id" not in line
    assert line["level"] == "error" and "ValueError: boom" in line["exception"]


def test_configure_and_reformat_put_json_on_every_stream_handler():
    root = logging.getLogger()
    saved = list(root.handlers), root.level
    stream = io.StringIO()
    try:
        jsonlog.configure("controller", "warning", stream=stream)
        logging.getLogger("test.configure").info("dropped")
        logging.getLogger("test.configure").warning("kept")
        framework = logging.getLogger("test.framework")
        own = logging.StreamHandler(stream)
        framework.addHandler(own)
        framework.propagate = False
        assert jsonlog.reformat("loadgen") >= 2
        framework.warning("from a framework")
        framework.removeHandler(own)
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(x["component"], x["message"]) for x in lines] == [
        ("controller", "kept"), ("loadgen", "from a framework")]
