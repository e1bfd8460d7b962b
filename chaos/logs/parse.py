"""Every format the stack's components write, parsed into a `LogLine`:

* **JSON lines** of the Python components (services/jsonlog.py): `time`, `level`, `logger`,
  `message`, `trace_id`, `span_id` (and `exception`, appended to the message);
* **etcd's zap JSON**: `ts`, `level`, `caller` (the logger), `msg`, then its other fields,
  appended to the message as `key=value` so they can be searched;
* **HAProxy**: a syslog priority (`<134>`, `format short`) whose severity is the level; an
  access line (`chaos/stack/haproxy.py`'s `log-format`) starts with its accept time in unix
  seconds and carries `trace_id=` (32 hex digits, or `-`);
* **logfmt** (Prometheus, Alertmanager): `ts=`, `level=`, `msg=`;
* **Go's log package** as etcd's gRPC library writes it to the same stderr as zap:
  `WARNING: 2026/12/02 12:02:00 grpc: ...` (level, local time, the `grpc` logger);
* anything else: a plain text line with no level (HAProxy's `[WARNING]`-style start-up notes
  get theirs).
"""

from __future__ import annotations

import json
import re
from datetime import datetime

from chaos.logs.entry import LogLine

_HEX32 = re.compile(r"^[0-9a-f]{32}$")
_HEX16 = re.compile(r"^[0-9a-f]{16}$")
_SYSLOG = re.compile(r"^<(\d{1,3})>(.*)$", re.S)
_ACCESS = re.compile(r"^(\d{9,11}\.\d{1,6}) (.*)$", re.S)
_ACCESS_TRACE = re.compile(r"\btrace_id=([0-9a-f]{32})\b")
_BRACKETED = re.compile(r"^\[(NOTICE|WARNING|ALERT|EMERG|INFO|DEBUG)\]")
_GOLOG = re.compile(r"^(INFO|WARNING|ERROR|FATAL): (\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}) "
                    r"(?:(\w+): )?(.*)$", re.S)
_LOGFMT = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S*)')
# syslog severities 0-7
_SEVERITY = ("critical", "critical", "critical", "error", "warning", "info", "info", "debug")
_NAMED = {"debug": "debug", "info": "info", "information": "info", "notice": "info",
          "warn": "warning", "warning": "warning", "error": "error", "err": "error",
          "critical": "critical", "crit": "critical", "alert": "critical", "emerg": "critical",
          "fatal": "critical", "panic": "critical", "dpanic": "critical"}


def level_of(name: object) -> str | None:
    return _NAMED.get(str(name).lower()) if name is not None else None


def _time(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
    return None


def _hex(value: object, pattern: re.Pattern) -> str | None:
    text = str(value).lower() if value else ""
    return text if pattern.match(text) else None


def _text(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def _json(line: str) -> LogLine | None:
    try:
        data = json.loads(line)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    if "msg" in data and "ts" in data:  # etcd (zap)
        rest = " ".join(f"{k}={_text(v)}" for k, v in data.items()
                        if k not in ("level", "ts", "caller", "msg"))
        return LogLine(message=f"{data['msg']} {rest}".strip(), time=_time(data["ts"]),
                       level=level_of(data.get("level")), logger=data.get("caller"))
    if "message" not in data:
        return None
    message = str(data["message"])
    if data.get("exception"):
        message = f"{message}\n{data['exception']}"
    return LogLine(message=message, time=_time(data.get("time")),
                   level=level_of(data.get("level")),
                   logger=str(data["logger"]) if data.get("logger") else None,
                   trace_id=_hex(data.get("trace_id"), _HEX32),
                   span_id=_hex(data.get("span_id"), _HEX16))


def _haproxy(line: str) -> LogLine | None:
    found = _SYSLOG.match(line)
    if found is None:
        return None
    level = _SEVERITY[int(found[1]) & 7]
    rest = found[2].strip()
    access = _ACCESS.match(rest)
    if access is None:
        return LogLine(message=rest, level=level, logger="haproxy")
    trace = _ACCESS_TRACE.search(access[2])
    return LogLine(message=access[2], time=float(access[1]), level=level,
                   logger="haproxy.access", trace_id=trace[1] if trace else None)


def _logfmt(line: str) -> LogLine | None:
    if not (line.startswith("ts=") or line.startswith("level=")):
        return None
    fields = {k: v[1:-1].replace('\\"', '"') if v.startswith('"') else v
              for k, v in _LOGFMT.findall(line)}
    message = fields.pop("msg", "")
    rest = " ".join(f"{k}={v}" for k, v in fields.items() if k not in ("ts", "level", "caller"))
    return LogLine(message=f"{message} {rest}".strip() or line, time=_time(fields.get("ts")),
                   level=level_of(fields.get("level")), logger=fields.get("caller"))


def _golog(line: str) -> LogLine | None:
    found = _GOLOG.match(line)
    if found is None:
        return None
    level, stamp, logger, message = found.groups()
    try:  # Go's log package writes local time
        at = datetime.strptime(stamp, "%Y/%m/%d %H:%M:%S").timestamp()
    except ValueError:
        at = None
    return LogLine(message=message, time=at, level=level_of(level), logger=logger)


def parse(line: str) -> LogLine:
    """`line` (no newline) as a LogLine; never fails."""
    text = line.rstrip("\r\n")
    if text.startswith("{"):
        parsed = _json(text)
        if parsed is not None:
            return parsed
    for parser in (_haproxy, _logfmt, _golog):
        parsed = parser(text)
        if parsed is not None:
            return parsed
    bracketed = _BRACKETED.match(text)
    if bracketed is not None:
        return LogLine(message=text, level=level_of(bracketed[1]))
    return LogLine(message=text)
