"""Tailing the components' log files into the store: whole lines only, resumed after a restart
from the stored offsets, read again from the start after a truncation or a rotation."""

from __future__ import annotations

import json
import os

from chaos.logs.ingest import LogIngester
from chaos.logs.store import LogQuery, LogStore

TRACE = "5b8aa5a2d2c872e8321cf37308d69df2"


def lines(store: LogStore) -> list[tuple[str, str]]:
    return [(e.component, e.message) for e in store.query(LogQuery(limit=5000))]


def test_new_whole_lines_of_every_file_are_stored_with_their_component(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    now = 1796133800.0
    store = LogStore(tmp_path / "logs.sqlite", clock=lambda: now)
    web = logs / "web-2.log"
    web.write_text(json.dumps({"time": "2026-12-01T14:02:11Z", "level": "info",
                               "logger": "a", "message": "first", "trace_id": TRACE}) + "\n"
                   + "partial line without a newl")
    (logs / "lb.log").write_text('<134>1796133731.5 status=200 trace_id=- "GET / HTTP/1.1"\n')
    ingester = LogIngester(logs, store, clock=lambda: now)
    assert ingester.poll() == 2
    # Interleaved by their own times: HAProxy's line is half a second after web's.
    assert lines(store) == [("web-2", "first"), ("lb", 'status=200 trace_id=- "GET / HTTP/1.1"')]
    assert [e.time for e in store.query(LogQuery())] == [1796133731.0, 1796133731.5]
    with open(web, "a") as handle:
        handle.write("ine\n")
    assert ingester.poll() == 1
    # A plain line says no time: it gets the time it was read.
    [last] = store.query(LogQuery(limit=1))
    assert (last.component, last.message, last.time, last.level) == (
        "web-2", "partial line without a newline", now, None)
    assert ingester.poll() == 0


def test_a_restarted_ingester_resumes_at_the_stored_offsets(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    path = logs / "store-1.log"
    path.write_text("one\ntwo\n")
    store = LogStore(tmp_path / "logs.sqlite")
    LogIngester(logs, store).poll()
    with open(path, "a") as handle:
        handle.write("three\n")
    store.close()
    again = LogStore(tmp_path / "logs.sqlite")
    assert LogIngester(logs, again).poll() == 1
    assert [m for _, m in lines(again)] == ["one", "two", "three"]


def test_a_truncated_or_rotated_file_is_read_from_its_start(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    path = logs / "web-1.log"
    path.write_text("old one\nold two\n")
    store = LogStore(tmp_path / "logs.sqlite")
    ingester = LogIngester(logs, store)
    ingester.poll()
    path.write_text("short\n")  # truncated in place: same inode, smaller
    assert ingester.poll() == 1
    os.rename(path, logs / "web-1.log.1")
    (logs / "web-1.log").write_text("after rotation\n")
    assert ingester.poll() == 1
    assert [m for _, m in lines(store)] == ["old one", "old two", "short", "after rotation"]


def test_reads_are_bounded_per_poll_and_long_lines_cut(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "lb.log").write_text("".join(f"line {n:04d}\n" for n in range(100))
                                 + "y" * 300 + "\n")
    store = LogStore(tmp_path / "logs.sqlite")
    ingester = LogIngester(logs, store, max_read=200, max_line=50)
    polls = 0
    while ingester.poll():
        polls += 1
        assert polls < 100
    stored = [m for _, m in lines(store)]
    assert stored[:100] == [f"line {n:04d}" for n in range(100)]
    assert polls > 5  # 200 bytes at a time
    assert all(len(m) <= 50 for m in stored)


def test_a_file_past_its_bound_is_copy_truncated_without_losing_a_stored_line(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    store = LogStore(tmp_path / "logs.sqlite")
    ingester = LogIngester(logs, store, rotate_bytes=200)
    path = logs / "lb.log"
    with open(path, "ab") as writer:  # the process keeps its log open in append mode
        writer.write(b"first line\n")
        writer.flush()
        ingester.poll()
        writer.write(b"".join(b"line %d of many\n" % i for i in range(20)))  # past 200 bytes
        writer.flush()
        ingester.poll()  # rotates: what was not stored yet comes from the copy
        assert path.stat().st_size == 0
        assert (logs / "lb.log.1").read_bytes().startswith(b"first line\n")
        writer.write(b"after the rotation\n")
        writer.flush()
    ingester.poll()
    assert path.read_bytes() == b"after the rotation\n"  # appended at the new end, no hole
    messages = [e.message for e in store.query(LogQuery(limit=100))]
    assert messages == ["first line", *(f"line {i} of many" for i in range(20)),
                        "after the rotation"]
    # A restarted ingester resumes on the truncated file, storing nothing twice.
    LogIngester(logs, store, rotate_bytes=200).poll()
    assert len(store.query(LogQuery(limit=100))) == 22
