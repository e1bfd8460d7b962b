"""The event log on disk: append-only JSON lines, bounded by size across one rotation, read
back oldest first across both files, and the same after reopening (a controller restart)."""

from __future__ import annotations

from chaos.events.log import EventLog
from chaos.events.model import Recorded


def event(i: int, *, pad: str = "") -> Recorded:
    return Recorded(ts=1000.0 + i, source="component", kind="component.exit", actor="controller",
                 component="web-1", components=["web-1"], summary=f"web-1 exited {i}{pad}",
                 key=f"k{i}")


def test_filling_past_the_bound_keeps_at_most_two_files_of_the_newest_events(tmp_path):
    log = EventLog(tmp_path / "events.jsonl", max_bytes=2000)
    assert not log.has_rotated
    rotations = sum(log.append([event(i, pad="x" * 50)]) for i in range(200))

    assert rotations > 2 and log.has_rotated
    assert log.path.stat().st_size <= 2000 and log.rotated_path.stat().st_size <= 2000
    assert not (tmp_path / "events.jsonl.2").exists()
    kept = log.read()
    # The newest events survive, contiguous and oldest first; the oldest were dropped.
    numbers = [int(e.summary.split()[2].rstrip("x")) for e in kept]
    assert numbers == list(range(numbers[0], 200)) and numbers[0] > 0
    assert sum(len(e.model_dump_json()) + 1 for e in kept) <= 2 * 2000


def test_a_reopened_log_reads_what_the_last_one_wrote(tmp_path):
    first = EventLog(tmp_path / "events.jsonl", max_bytes=600)
    first.append([event(i) for i in range(8)])
    again = EventLog(tmp_path / "events.jsonl", max_bytes=600)
    assert again.read() == first.read()
    assert again.read(since=1006.0) == [event(6), event(7)]
    again.append([event(8)])
    assert [e.key for e in EventLog(tmp_path / "events.jsonl", 600).read()][-2:] == ["k7", "k8"]


def test_a_torn_last_line_is_skipped_not_fatal(tmp_path):
    log = EventLog(tmp_path / "events.jsonl")
    log.append([event(1), event(2)])
    with log.path.open("a") as out:
        out.write('{"ts": 1003.0, "sou')
    assert [e.key for e in log.read()] == ["k1", "k2"]


def test_since_skips_older_lines_by_their_prefix_and_parses_the_rest(tmp_path):
    log = EventLog(tmp_path / "events.jsonl")
    log.append([event(i) for i in (1, 2, 3)])
    with log.path.open("ab") as out:  # a line written by other means: ts not first
        out.write(b'{"source":"fault","ts":1004.0,"kind":"fault.injected","actor":"user",'
                  b'"summary":"s","key":"other"}\n')
    assert [e.ts for e in log.read(1002.0)] == [1002.0, 1003.0, 1004.0]
    assert [e.ts for e in log.read(0)] == [1001.0, 1002.0, 1003.0, 1004.0]
