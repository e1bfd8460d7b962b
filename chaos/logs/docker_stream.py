"""The Docker Engine's log stream (`GET /containers/{id}/logs`), cut into lines.

A container without a TTY answers with a multiplexed stream: frames of an 8-byte header
(stream type: 0 stdin, 1 stdout, 2 stderr; three zero bytes; the payload's length, 32-bit big
endian) then the payload. A container with a TTY answers with the raw bytes. Frames and lines
do not line up with what the transport delivers, so `LineReader.feed` takes any chunk and
returns only the whole lines it completes, one buffer per stream (stdout and stderr lines are
never spliced together). With `timestamps=1` every line starts with Docker's RFC 3339 time in
nanoseconds (`2024-05-01T12:00:00.123456789Z `), which `split_timestamp` takes off.
"""

from __future__ import annotations

import re
import struct
from datetime import UTC, datetime

HEADER_BYTES = 8
_HEADER = struct.Struct(">BxxxL")
_TIMESTAMP = re.compile(
    rb"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d) ")


class LineReader:
    """Whole lines (no newline, blank ones dropped) out of a log stream's chunks. A line
    longer than `max_line` bytes is cut there and the rest of it, up to its newline, dropped,
    so one endless line cannot grow a buffer without bound."""

    def __init__(self, *, tty: bool, max_line: int) -> None:
        self.tty = tty
        self.max_line = max_line
        self._frames = bytearray()  # an incomplete frame (multiplexed streams only)
        self._lines: dict[int, bytearray] = {}  # stream type: its incomplete line
        self._skipping: set[int] = set()  # streams inside a line already cut

    def feed(self, chunk: bytes) -> list[bytes]:
        if self.tty:
            return self._split(1, chunk)
        self._frames += chunk
        lines: list[bytes] = []
        start = 0
        while len(self._frames) - start >= HEADER_BYTES:
            stream, length = _HEADER.unpack_from(self._frames, start)
            if len(self._frames) - start - HEADER_BYTES < length:
                break
            payload = bytes(self._frames[start + HEADER_BYTES:start + HEADER_BYTES + length])
            start += HEADER_BYTES + length
            lines += self._split(stream, payload)
        del self._frames[:start]
        return lines

    def flush(self) -> list[bytes]:
        """At the end of the stream: what is left of each line (a last line with no newline)."""
        left = [bytes(buffer[:self.max_line]) for stream, buffer in sorted(self._lines.items())
                if buffer.strip() and stream not in self._skipping]
        self._lines.clear()
        self._skipping.clear()
        self._frames.clear()
        return left

    def _split(self, stream: int, data: bytes) -> list[bytes]:
        buffer = self._lines.setdefault(stream, bytearray())
        lines: list[bytes] = []
        for piece in data.splitlines(keepends=True):
            ended = piece.endswith(b"\n")
            if stream in self._skipping:
                if ended:
                    self._skipping.discard(stream)
                continue
            buffer += piece.rstrip(b"\r\n") if ended else piece
            if ended:
                if buffer.strip():
                    lines.append(bytes(buffer[:self.max_line]))
                buffer.clear()
            elif len(buffer) > self.max_line:
                lines.append(bytes(buffer[:self.max_line]))
                buffer.clear()
                self._skipping.add(stream)
        return lines


def split_timestamp(line: bytes) -> tuple[int | None, bytes]:
    """(Docker's time of the line in unix nanoseconds, the line without it); (None, line)
    when it does not start with one."""
    found = _TIMESTAMP.match(line)
    if found is None:
        return None, line
    zone = found[3].decode()
    try:
        moment = datetime.fromisoformat(found[1].decode() + ("+00:00" if zone == "Z" else zone))
    except ValueError:
        return None, line
    seconds = int(moment.astimezone(UTC).timestamp())
    nanos = int((found[2] or b"0").ljust(9, b"0"))
    return seconds * 1_000_000_000 + nanos, line[found.end():]


def since_param(nanos: int) -> str:
    """Docker's `since` (unix seconds with up to nine decimals) for a time in nanoseconds."""
    return f"{nanos // 1_000_000_000}.{nanos % 1_000_000_000:09d}"
