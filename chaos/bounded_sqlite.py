"""What the controller's embedded stores (traces, logs) share: one SQLite file in WAL mode,
one lock, a byte budget kept in memory, and writes in a transaction that keeps that budget
right when it fails. Each store says its schema and which table holds the `bytes` column;
expiry (by age and size) is its own."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
DEFAULT_MAX_AGE_SECONDS = 24 * 3600.0


class BoundedSqlite:
    SCHEMA: ClassVar[str]
    SIZED_TABLE: ClassVar[str]  # the table whose `bytes` column counts against max_bytes

    def __init__(self, path: Path | str, *, max_bytes: int = DEFAULT_MAX_BYTES,
                 max_age_seconds: float = DEFAULT_MAX_AGE_SECONDS,
                 clock: Callable[[], float] = time.time) -> None:
        if max_bytes <= 0 or max_age_seconds <= 0:
            raise ValueError("max_bytes and max_age_seconds must be positive")
        self.path = Path(path)
        self.max_bytes = max_bytes
        self.max_age_seconds = max_age_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False,
                                   isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(self.SCHEMA)
        self._bytes = self._count_bytes()

    def _count_bytes(self) -> int:
        return self._db.execute(
            f"SELECT COALESCE(SUM(bytes), 0) FROM {self.SIZED_TABLE}").fetchone()[0]

    @property
    def stored_bytes(self) -> int:
        return self._bytes

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Hold the lock for one transaction; on failure roll back and recount the bytes."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                yield
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                self._bytes = self._count_bytes()
                raise
