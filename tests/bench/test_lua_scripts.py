"""bench/lua/traceparent.lua under a real wrk, against a tiny local server that records what
it was sent: the load generator's requests as the bench sends them."""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.common import LOADGEN_SCRIPT, loadgen_env, wrk

pytestmark = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
TRACEPARENT = re.compile(r"^00-[0-9a-f]{32}-[0-9a-f]{16}-(0[01])$")


class Recorder(BaseHTTPRequestHandler):
    seen: list[tuple[str, str, bytes]] = []

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        Recorder.seen.append((self.command, self.headers.get("traceparent", ""), body))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    do_GET = do_PUT = _answer

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def server() -> Iterator[str]:
    Recorder.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_each_request_starts_a_new_trace_sampled_at_the_ratio(server) -> None:
    result = wrk(f"{server}/kv/k", 1, connections=4, script=LOADGEN_SCRIPT,
                 env={**loadgen_env(), "TRACE_SAMPLE_RATIO": "0.5"})
    seen = Recorder.seen
    assert result["errors"] == 0 and len(seen) >= 50
    flags = [TRACEPARENT.match(traceparent)[1] for _, traceparent, _ in seen]
    assert {method for method, _, _ in seen} == {"GET"}
    assert len({traceparent for _, traceparent, _ in seen}) == len(seen)  # a new trace each
    assert 0.3 < flags.count("01") / len(flags) < 0.7


def test_a_write_carries_its_method_and_body(server) -> None:
    wrk(f"{server}/kv/k", 1, connections=2, script=LOADGEN_SCRIPT,
        env=loadgen_env("PUT", '{"value":"v"}'))
    assert Recorder.seen
    assert {(method, body) for method, _, body in Recorder.seen} == {("PUT", b'{"value":"v"}')}
    assert all(TRACEPARENT.match(traceparent) for _, traceparent, _ in Recorder.seen)


def test_loadgen_env_samples_at_the_load_generators_default() -> None:
    from services.loadgen.tracecontext import DEFAULT_RATIO

    assert loadgen_env() == {"TRACE_SAMPLE_RATIO": str(DEFAULT_RATIO)}
