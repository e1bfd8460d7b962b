"""Tails every component's log file (`<state-dir>/logs/NAME.log`) into the log store.

Each `poll()` reads what each file gained since the offset the store has for it, whole lines
only (a line still being written waits for its newline), at most `max_read` bytes per file
per poll so one flooding component cannot stall the rest. The offsets are stored with the
lines in one transaction, so a restarted controller resumes exactly there. A file that
shrank (truncated) or whose inode changed (rotated, recreated) is read again from its start.
A line longer than `max_line` is stored cut to that length.

The files are bounded too: a file past `rotate_bytes` is copied to `NAME.log.1` (replacing
the previous copy) and truncated, the way logrotate's copytruncate does, since the processes
keep it open in append mode; what the copy holds past the stored offset is stored first, so
only a line written in the instant between the copy and the truncation can be lost.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from chaos.logs.parse import parse
from chaos.logs.store import LogStore, NewEntry

MAX_READ_BYTES = 4 * 1024 * 1024
MAX_LINE_BYTES = 16 * 1024
ROTATE_BYTES = 32 * 1024 * 1024  # per file; at most twice that on disk with its .1 copy


class LogIngester:
    def __init__(self, directory: Path, store: LogStore, *,
                 clock: Callable[[], float] = time.time, max_read: int = MAX_READ_BYTES,
                 max_line: int = MAX_LINE_BYTES, rotate_bytes: int = ROTATE_BYTES) -> None:
        self.directory = directory
        self.store = store
        self._clock = clock
        self.max_read = max_read
        self.max_line = max_line
        self.rotate_bytes = rotate_bytes
        self._offsets = store.offsets()

    def poll(self) -> int:
        """Read every file's new lines into the store; returns how many were stored."""
        entries: list[NewEntry] = []
        offsets: dict[str, tuple[int, int]] = {}
        for path in sorted(self.directory.glob("*.log")):
            rotated = self._rotate(path)
            read = self._read(path)
            if read is None and rotated is None:
                continue
            lines, inode, offset = read or ([], *self._offsets[str(path)])
            lines = (rotated or []) + lines
            now = self._clock()
            for raw in lines:
                line = parse(raw.decode("utf-8", errors="replace"))
                entries.append(NewEntry(
                    time=line.time if line.time is not None else now, component=path.stem,
                    message=line.message, level=line.level, logger=line.logger,
                    trace_id=line.trace_id, span_id=line.span_id))
            offsets[str(path)] = (inode, offset)
        if not offsets:
            return 0
        added = self.store.add(entries, offsets)
        self._offsets.update(offsets)
        return added

    def _rotate(self, path: Path) -> list[bytes] | None:
        """Copy-truncate `path` once it is past `rotate_bytes`; answer the lines the copy holds
        that were not stored yet (None when nothing was rotated)."""
        try:
            if path.stat().st_size < self.rotate_bytes:
                return None
            _, offset = self._offsets.get(str(path), (0, 0))
            copy = path.with_name(path.name + ".1")
            shutil.copyfile(path, copy)
            os.truncate(path, 0)
            with open(copy, "rb") as handle:
                handle.seek(offset)
                tail = handle.read()
            self._offsets[str(path)] = (path.stat().st_ino, 0)
        except OSError:
            return None
        return [line[:self.max_line] for line in tail.splitlines() if line.strip()]

    def _read(self, path: Path) -> tuple[list[bytes], int, int] | None:
        try:
            with open(path, "rb") as handle:
                stat = os.fstat(handle.fileno())
                inode, offset = self._offsets.get(str(path), (stat.st_ino, 0))
                if inode != stat.st_ino or stat.st_size < offset:
                    inode, offset = stat.st_ino, 0  # rotated or truncated: from the start
                if stat.st_size == offset:
                    return None
                handle.seek(offset)
                chunk = handle.read(self.max_read)
        except OSError:
            return None
        end = chunk.rfind(b"\n")
        if end < 0:
            if len(chunk) < self.max_read:
                return None  # a line still being written
            end = len(chunk) - 1  # one line longer than a whole read: take it as it is
        lines = [line[:self.max_line] for line in chunk[:end + 1].splitlines() if line.strip()]
        return lines, inode, offset + end + 1
