"""Docker's log stream cut into lines: frames split anywhere by the transport, stdout and
stderr kept apart, a TTY's raw stream, over-long lines cut, and Docker's timestamps."""

from __future__ import annotations

import struct

from chaos.logs.docker_stream import LineReader, since_param, split_timestamp


def frame(stream: int, payload: bytes) -> bytes:
    return struct.pack(">BxxxL", stream, len(payload)) + payload


def feed_in_pieces(reader: LineReader, data: bytes, size: int) -> list[bytes]:
    lines: list[bytes] = []
    for start in range(0, len(data), size):
        lines += reader.feed(data[start:start + size])
    return lines


def test_frames_split_anywhere_give_the_same_lines():
    data = (frame(1, b"one\ntw") + frame(2, b"err-a") + frame(1, b"o\n")
            + frame(2, b"-b\n\n") + frame(1, b"three\n"))
    for size in (1, 3, 7, 8, 9, len(data)):
        reader = LineReader(tty=False, max_line=100)
        # stderr's partial line is never spliced into stdout's, whatever the chunking.
        assert feed_in_pieces(reader, data, size) == [b"one", b"two", b"err-a-b", b"three"]
        assert reader.flush() == []


def test_a_frame_with_its_header_only_waits_for_its_payload():
    reader = LineReader(tty=False, max_line=100)
    data = frame(1, b"hello\n")
    assert reader.feed(data[:8]) == []
    assert reader.feed(data[8:10]) == []
    assert reader.feed(data[10:]) == [b"hello"]


def test_a_tty_stream_has_no_headers():
    reader = LineReader(tty=True, max_line=100)
    assert feed_in_pieces(reader, b"a line\r\nnext\nlast without newline", 4) == [
        b"a line", b"next"]
    assert reader.flush() == [b"last without newline"]


def test_the_last_line_without_a_newline_comes_out_at_the_end():
    reader = LineReader(tty=False, max_line=100)
    assert reader.feed(frame(2, b"traceback tail")) == []
    assert reader.flush() == [b"traceback tail"]


def test_an_over_long_line_is_cut_and_its_rest_dropped():
    reader = LineReader(tty=False, max_line=10)
    data = frame(1, b"x" * 25) + frame(1, b"y" * 30 + b"\nshort\n")
    assert feed_in_pieces(reader, data, 5) == [b"x" * 10, b"short"]
    assert reader.flush() == []


def test_docker_timestamps_in_nanoseconds():
    nanos, rest = split_timestamp(b"2026-12-01T14:02:11.123456789Z {\"message\": \"hi\"}")
    assert nanos == 1796133731_123456789
    assert rest == b'{"message": "hi"}'
    assert split_timestamp(b"2026-12-01T14:02:11Z x")[0] == 1796133731_000000000
    assert split_timestamp(b"2026-12-01T16:02:11.5+02:00 x")[0] == 1796133731_500000000
    assert split_timestamp(b"no time here") == (None, b"no time here")
    assert since_param(1796133731_000000042) == "1796133731.000000042"
