"""The central log store: every component's lines in SQLite with an FTS5 index, under the
controller's state directory (`logs.sqlite`).

Bounded, and the bounds are enforced on every write:

* **age**: a line older than `max_age_seconds` (by its own time) is deleted;
* **size**: the stored lines' bytes (message, logger, component, ids) are kept at or under
  `max_bytes`; past it the oldest lines (first stored) are deleted until the total is back
  under 90% of it. The file is larger than that by the full-text index and page slack, and
  reuses what is freed.

It also keeps, per log file, how far it has read (`offsets`), so a restarted controller
resumes where the last one stopped instead of storing the same lines twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from chaos.bounded_sqlite import BoundedSqlite
from chaos.logs.entry import RANK, LogEntry

_WORD = set("abcdefghijklmnopqrstuvwxyz0123456789")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT, time REAL NOT NULL, component TEXT NOT NULL,
    level INTEGER, logger TEXT, message TEXT NOT NULL, trace_id TEXT, span_id TEXT,
    bytes INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS entries_by_time ON entries (time);
CREATE INDEX IF NOT EXISTS entries_by_trace ON entries (trace_id) WHERE trace_id IS NOT NULL;
CREATE VIRTUAL TABLE IF NOT EXISTS entries_text USING fts5 (message, logger, trace_id);
CREATE TABLE IF NOT EXISTS offsets (
    path TEXT PRIMARY KEY, inode INTEGER NOT NULL, offset INTEGER NOT NULL);
"""
_NAME = {rank: name for name, rank in RANK.items()}
_COLUMNS = "id, time, component, level, logger, message, trace_id, span_id"


@dataclass(frozen=True, slots=True)
class NewEntry:
    time: float
    component: str
    message: str
    level: str | None = None
    logger: str | None = None
    trace_id: str | None = None
    span_id: str | None = None

    @property
    def size(self) -> int:
        return (len(self.message) + len(self.component) + len(self.logger or "")
                + len(self.trace_id or "") + len(self.span_id or "") + 24)


@dataclass(frozen=True, slots=True)
class LogQuery:
    components: tuple[str, ...] = ()
    grep: str | None = None
    min_level: str | None = None
    since: float | None = None  # unix seconds
    trace_id: str | None = None
    after: int | None = None  # entry id: only entries stored after it (following)
    limit: int = 200


def _match(text: str) -> str:
    """FTS5 query for `text`: one phrase (its words in this order), never query syntax."""
    return '"' + text.replace('"', '""') + '"'


class LogStore(BoundedSqlite):
    SCHEMA = _SCHEMA
    SIZED_TABLE = "entries"

    # -- writing -----------------------------------------------------------------------------

    def add(self, entries: Iterable[NewEntry], offsets: dict[str, tuple[int, int]] | None = None
            ) -> int:
        """Store `entries` and, in the same transaction, the files' read `offsets`
        (path: (inode, offset)); returns how many entries were stored."""
        added = 0
        with self._writing():
            for entry in entries:
                self._insert(entry)
                added += 1
            for path, (inode, offset) in (offsets or {}).items():
                self._db.execute("INSERT OR REPLACE INTO offsets VALUES (?,?,?)",
                                 (path, inode, offset))
            self._expire()
        return added

    def _insert(self, entry: NewEntry) -> None:
        size = entry.size
        cursor = self._db.execute(
            "INSERT INTO entries (time, component, level, logger, message, trace_id, span_id, "
            "bytes) VALUES (?,?,?,?,?,?,?,?)",
            (entry.time, entry.component, RANK.get(entry.level or ""), entry.logger,
             entry.message, entry.trace_id, entry.span_id, size))
        self._db.execute("INSERT INTO entries_text (rowid, message, logger, trace_id) "
                         "VALUES (?,?,?,?)",
                         (cursor.lastrowid, entry.message, entry.logger, entry.trace_id))
        self._bytes += size

    def _expire(self) -> None:
        cutoff = self._clock() - self.max_age_seconds
        self._delete("time < ?", (cutoff,))
        if self._bytes <= self.max_bytes:
            return
        # Trim to 90% of the bound, so a full store does not trim on every write.
        target = int(self.max_bytes * 0.9)
        while self._bytes > target:
            row = self._db.execute(
                "SELECT MAX(id) FROM (SELECT id, SUM(bytes) OVER (ORDER BY id) AS running "
                "FROM entries) WHERE running <= ?", (self._bytes - target,)).fetchone()
            last = row[0] if row and row[0] is not None else \
                self._db.execute("SELECT MIN(id) FROM entries").fetchone()[0]
            if last is None:
                break
            self._delete("id <= ?", (last,))

    def _delete(self, where: str, params: tuple) -> None:
        freed = self._db.execute(f"SELECT COALESCE(SUM(bytes), 0) FROM entries WHERE {where}",
                                 params).fetchone()[0]
        if not freed:
            return
        self._db.execute(f"DELETE FROM entries_text WHERE rowid IN "
                         f"(SELECT id FROM entries WHERE {where})", params)
        self._db.execute(f"DELETE FROM entries WHERE {where}", params)
        self._bytes -= freed

    # -- offsets -----------------------------------------------------------------------------

    def offsets(self) -> dict[str, tuple[int, int]]:
        """Every log file's (inode, offset) read so far."""
        with self._lock:
            return {row[0]: (row[1], row[2])
                    for row in self._db.execute("SELECT path, inode, offset FROM offsets")}

    # -- reading -----------------------------------------------------------------------------

    def query(self, query: LogQuery, hide: Callable[[LogEntry], bool] | None = None
              ) -> list[LogEntry]:
        """Matching entries, oldest first (by time, then id). Without `after`, the newest
        `limit` of them (a tail); with it, the first `limit` stored after that id (a follow).
        `hide`: entries for which it is true are left out (and do not count to the limit)."""
        where, params = self._where(query)
        newest = query.after is None
        order = "time DESC, id DESC" if newest else "id ASC"
        sql = f"SELECT {_COLUMNS} FROM entries WHERE {' AND '.join(where) or '1'} ORDER BY {order}"
        found: list[LogEntry] = []
        with self._lock:
            for entry in self._rows(sql, params):
                if hide is not None and hide(entry):
                    continue
                found.append(entry)
                if len(found) >= query.limit:
                    break
        return sorted(found, key=lambda e: (e.time, e.id))

    def _where(self, query: LogQuery) -> tuple[list[str], list]:
        where: list[str] = []
        params: list = []
        if query.components:
            where.append(f"component IN ({','.join('?' * len(query.components))})")
            params.extend(query.components)
        if query.min_level is not None:
            where.append("level >= ?")
            params.append(RANK[query.min_level])
        if query.since is not None:
            where.append("time >= ?")
            params.append(query.since)
        if query.trace_id is not None:
            where.append("trace_id = ?")
            params.append(query.trace_id)
        if query.after is not None:
            where.append("id > ?")
            params.append(query.after)
        if query.grep:
            if set(query.grep.lower()) & _WORD:
                where.append("id IN (SELECT rowid FROM entries_text WHERE entries_text MATCH ?)")
                params.append(_match(query.grep))
            else:  # no word to index (punctuation only): a plain substring search
                where.append("instr(message, ?) > 0")
                params.append(query.grep)
        return where, params

    def _rows(self, sql: str, params: list) -> Iterator[LogEntry]:
        for row in self._db.execute(sql, params):
            yield LogEntry(id=row[0], time=row[1], component=row[2],
                           level=_NAME.get(row[3]) if row[3] is not None else None,
                           logger=row[4], message=row[5], trace_id=row[6], span_id=row[7])
