"""Classify one request into a low-cardinality outcome label."""

from __future__ import annotations

from collections.abc import Collection

import gevent

OK = "ok"
HTTP_ERROR = "http_error"
TIMEOUT = "timeout"
CONNECTION_ERROR = "connection_error"
OUTCOMES = (OK, HTTP_ERROR, TIMEOUT, CONNECTION_ERROR)


def classify(status: int, error: BaseException | None, ok_statuses: Collection[int]) -> str:
    """`status` is 0 when no response arrived; `ok_statuses` says what this operation expects
    (a read of a key that may not exist lists 404, so a miss is not an error)."""
    if status in ok_statuses:
        return OK
    if status:
        return HTTP_ERROR
    if isinstance(error, TimeoutError | gevent.Timeout):
        return TIMEOUT
    return CONNECTION_ERROR
