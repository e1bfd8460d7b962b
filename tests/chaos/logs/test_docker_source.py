"""Following the stack's containers through a fake Docker Engine API into the log store:
names from the Compose labels, resumed after a restart without a line twice, containers that
come later or go, a bounded queue, and a failure reported once."""

from __future__ import annotations

import json
import logging
import struct
import threading
import time
from datetime import UTC, datetime

from chaos.logs.docker_source import DockerLogSource
from chaos.logs.store import LogQuery, LogStore

PROJECT = "gameday"
TRACE = "5b8aa5a2d2c872e8321cf37308d69df2"
NOW = 1796133800.0
COMPONENTS = {"web-1", "web-2", "lb", "store-1", "controller"}


def docker_time(nanos: int) -> bytes:
    seconds, rest = divmod(nanos, 1_000_000_000)
    text = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{rest:09d}Z ".encode()


class FakeRaw:
    """What the response's `raw` gives: the stream in small chunks; a following stream then
    waits for more until closed (as Docker's does while the container runs)."""

    def __init__(self, data: bytes, chunk: int, hold: bool) -> None:
        self.data, self.chunk, self.hold = memoryview(data), chunk, hold
        self.offset = 0
        self.closed = threading.Event()

    def read1(self, size: int) -> bytes:
        if self.offset < len(self.data):
            end = self.offset + min(size, self.chunk)
            piece, self.offset = bytes(self.data[self.offset:end]), end
            return piece
        if self.hold:
            self.closed.wait(10)
        return b""


class FakeResponse:
    def __init__(self, raw: FakeRaw, status: int = 200) -> None:
        self.raw, self.status = raw, status

    def raise_for_status(self) -> None:
        if self.status >= 400:
            raise RuntimeError(f"{self.status} from the engine")

    def close(self) -> None:
        self.raw.closed.set()


class FakeApi:
    """Just enough of docker.APIClient: containers, inspect_container and the logs GET."""

    base_url = "http+docker://localhost"
    api_version = "1.44"

    def __init__(self, *, hold: bool = False, chunk: int = 5) -> None:
        self.running: dict[str, tuple[str, str]] = {}  # id: (project, service)
        self.tty: dict[str, bool] = {}
        self.lines: dict[str, list[tuple[int, int, bytes]]] = {}  # id: (stream, nanos, line)
        self.asked: list[tuple[str, dict]] = []
        self.failing: set[str] = set()
        self.hold, self.chunk = hold, chunk
        self.responses: list[FakeResponse] = []
        self.api = self

    def run(self, cid: str, service: str, project: str = PROJECT, tty: bool = False) -> None:
        self.running[cid] = (project, service)
        self.tty[cid] = tty
        self.lines.setdefault(cid, [])

    def write(self, cid: str, nanos: int, line: str, stream: int = 1) -> None:
        self.lines[cid].append((stream, nanos, line.encode()))

    def containers(self, filters: dict) -> list[dict]:
        project = filters["label"].split("=", 1)[1]
        return [{"Id": cid, "Labels": {"com.docker.compose.project": p,
                                       "com.docker.compose.service": s}}
                for cid, (p, s) in self.running.items() if p == project]

    def inspect_container(self, cid: str) -> dict:
        return {"Id": cid, "Config": {"Tty": self.tty[cid]}}

    def get(self, url: str, *, params: dict, stream: bool, timeout: tuple) -> FakeResponse:
        cid = url.split("/containers/")[1].split("/")[0]
        assert url == f"{self.base_url}/v{self.api_version}/containers/{cid}/logs"
        assert stream and params["follow"] == params["timestamps"] == 1
        self.asked.append((cid, params))
        if cid in self.failing:
            return FakeResponse(FakeRaw(b"", 1, False), status=500)
        seconds, _, frac = params["since"].partition(".")
        since = int(seconds) * 1_000_000_000 + int(frac.ljust(9, "0"))
        pieces = []
        for stream_type, nanos, line in self.lines[cid]:
            if nanos >= since:  # Docker's `since` is inclusive
                text = docker_time(nanos) + line + b"\n"
                pieces.append(text if self.tty[cid] else
                              struct.pack(">BxxxL", stream_type, len(text)) + text)
        response = FakeResponse(FakeRaw(b"".join(pieces), self.chunk, self.hold))
        self.responses.append(response)
        return response


def run_now(target, name):
    target()


def source(api: FakeApi, store: LogStore, clock: list[float] | None = None, **kwargs
           ) -> DockerLogSource:
    moment = clock if clock is not None else [0.0]
    kwargs.setdefault("spawn", run_now)
    return DockerLogSource(api, PROJECT, store, COMPONENTS, clock=lambda: NOW,
                           monotonic=lambda: moment[0], **kwargs)


def stored(store: LogStore) -> list[tuple[str, str]]:
    return [(e.component, e.message) for e in store.query(LogQuery(limit=5000))]


def ns(seconds: float) -> int:
    return int(seconds * 1_000_000_000)


def test_each_stack_containers_lines_are_parsed_and_stored_under_its_component(tmp_path):
    api = FakeApi()
    api.run("c-web", "web-1")
    api.run("c-lb", "lb", tty=True)
    api.run("c-init", "token-init")  # not a component of the stack
    api.run("c-other", "web-1", project="another")  # another Compose project
    api.write("c-web", ns(NOW - 10), json.dumps(
        {"time": "2026-12-01T14:03:09Z", "level": "info", "logger": "services.web.access",
         "message": "GET /kv/a 200 3.1ms", "trace_id": TRACE}))
    api.write("c-web", ns(NOW - 9), "Traceback (most recent call last):", stream=2)
    api.write("c-lb", ns(NOW - 8), f'<134>1796133792.5 status=200 trace_id={TRACE} "GET /"')
    api.write("c-init", ns(NOW - 7), "token written")
    api.write("c-other", ns(NOW - 7), "not ours")
    store = LogStore(tmp_path / "logs.sqlite", clock=lambda: NOW)
    assert source(api, store).poll() == 3
    assert stored(store) == [
        ("web-1", "GET /kv/a 200 3.1ms"),
        ("web-1", "Traceback (most recent call last):"),
        ("lb", f'status=200 trace_id={TRACE} "GET /"')]
    [web, plain, lb] = store.query(LogQuery(limit=10))
    # The line's own time when it says one, else Docker's.
    assert (web.time, web.trace_id, web.level) == (1796133789.0, TRACE, "info")
    assert plain.time == NOW - 9 and plain.level is None
    assert (lb.time, lb.trace_id, lb.logger) == (1796133792.5, TRACE, "haproxy.access")
    assert [e.component for e in store.query(LogQuery(trace_id=TRACE))] == ["web-1", "lb"]
    # A never-seen container is asked from the store's age limit on.
    assert {cid: p["since"] for cid, p in api.asked} == {
        "c-web": f"{int(NOW - store.max_age_seconds)}.000000000",
        "c-lb": f"{int(NOW - store.max_age_seconds)}.000000000"}


def test_a_restarted_controller_resumes_without_storing_a_line_twice(tmp_path):
    api = FakeApi()
    api.run("c-store", "store-1")
    api.write("c-store", ns(NOW - 5) + 7, "one")
    api.write("c-store", ns(NOW - 4) + 7, "two")
    store = LogStore(tmp_path / "logs.sqlite", clock=lambda: NOW)
    clock = [0.0]
    first = source(api, store, clock)
    assert first.poll() == 2
    api.write("c-store", ns(NOW - 3) + 7, "three")
    # The stream ended (the container stopped and started again): asked again from there.
    clock[0] += 2.0
    assert first.poll() == 1
    assert api.asked[-1][1]["since"] == f"{int(NOW - 4)}.000000007"
    store.close()

    api.write("c-store", ns(NOW - 2) + 7, "four")
    again = LogStore(tmp_path / "logs.sqlite", clock=lambda: NOW)
    assert source(api, again).poll() == 1
    # Docker's since is inclusive: "three" came again and was dropped.
    assert api.asked[-1][1]["since"] == f"{int(NOW - 3)}.000000007"
    assert [m for _, m in stored(again)] == ["one", "two", "three", "four"]


def test_containers_that_start_later_are_followed_and_those_that_go_are_let_go(tmp_path):
    api = FakeApi(hold=True)
    api.run("c-web1", "web-1")
    api.write("c-web1", ns(NOW - 5), "web-1 up")
    store = LogStore(tmp_path / "logs.sqlite", clock=lambda: NOW)
    clock = [0.0]
    logs = source(api, store, clock, spawn=_thread)
    try:
        assert _poll_until(logs, store, 1) == [("web-1", "web-1 up")]
        assert logs.following() == {"c-web1": "web-1"}
        api.run("c-web2", "web-2")  # scaled out
        api.write("c-web2", ns(NOW - 4), "web-2 up")
        logs.poll()  # within the refresh interval: not looked for yet
        assert "c-web2" not in logs.following()
        clock[0] += 2.0
        assert _poll_until(logs, store, 2)[-1] == ("web-2", "web-2 up")
        del api.running["c-web1"]  # removed
        clock[0] += 2.0
        logs.poll()
        assert logs.following() == {"c-web2": "web-2"}
        assert api.responses[0].raw.closed.is_set()  # its stream was closed, its thread ends
        assert len([cid for cid, _ in api.asked if cid == "c-web1"]) == 1
    finally:
        logs.close()


def test_a_full_queue_makes_followers_wait_and_loses_nothing(tmp_path):
    api = FakeApi(chunk=64)
    api.run("c-web", "web-2")
    for i in range(60):
        api.write("c-web", ns(NOW - 100) + i, f"line {i}")
    store = LogStore(tmp_path / "logs.sqlite", clock=lambda: NOW)
    logs = source(api, store, spawn=_thread, max_queued=4)
    try:
        counts = []
        deadline = time.monotonic() + 10
        while len(stored(store)) < 60 and time.monotonic() < deadline:
            counts.append(logs.poll())
            time.sleep(0.01)
        assert [m for _, m in stored(store)] == [f"line {i}" for i in range(60)]
        assert max(counts) <= 4  # at most the queue's bound per poll
    finally:
        logs.close()


def test_a_failing_container_is_reported_once_and_asked_again(tmp_path, caplog):
    api = FakeApi()
    api.run("c-lb", "lb")
    api.failing.add("c-lb")
    store = LogStore(tmp_path / "logs.sqlite", clock=lambda: NOW)
    clock = [0.0]
    logs = source(api, store, clock)
    with caplog.at_level(logging.WARNING, logger="gameday.logs.docker"):
        for _ in range(3):
            logs.poll()
            clock[0] += 2.0
    assert len(api.asked) == 3
    assert [r.getMessage() for r in caplog.records] == [
        "container logs of lb: 500 from the engine (reported once)"]
    api.failing.clear()
    api.write("c-lb", ns(NOW - 1), "<134>back")
    assert logs.poll() == 1


def _thread(target, name):
    threading.Thread(target=target, name=name, daemon=True).start()


def _poll_until(logs: DockerLogSource, store: LogStore, count: int) -> list[tuple[str, str]]:
    deadline = time.monotonic() + 5
    while len(stored(store)) < count and time.monotonic() < deadline:
        logs.poll()
        time.sleep(0.01)
    return stored(store)
