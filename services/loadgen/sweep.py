"""The final sweep: re-read every key that has an acknowledged write, so lost writes show."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import gevent
import gevent.pool
import httpx

from services.loadgen.collector import Collector
from services.loadgen.consistency.history import Read
from services.loadgen.operations import FOUND_OR_MISSING, Reply, read_from_reply
from services.loadgen.outcome import classify

CONCURRENCY = 8


class Sweeper:
    def __init__(
        self,
        target: str,
        collector: Collector,
        timeout: float,
        report_interval: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._target = target
        self._collector = collector
        self._timeout = timeout
        # How long to wait for workers to report everything up to a moment: their next
        # report plus slack for a busy master.
        self._max_report_wait = 3 * report_interval + 1
        self._clock = clock

    def run(self) -> dict[str, Any]:
        # Workers report in batches: first let every write acknowledged before now arrive,
        # so the key list is complete and each key is judged against all of its writes.
        self._wait_for_reports(self._clock())
        keys = self._collector.checker.acknowledged_keys()
        with httpx.Client(base_url=self._target, timeout=self._timeout) as client:
            pool = gevent.pool.Pool(CONCURRENCY)
            reads = list(pool.imap_unordered(lambda key: self._read(client, key), keys))
        swept = [read for read in reads if read is not None]
        for read in swept:
            self._collector.history(read)
        self._wait_for_reports(self._clock())
        self._collector.refresh()
        return {"keys": len(keys), "read": len(swept), "unreadable": len(keys) - len(swept)}

    def _read(self, client: httpx.Client, key: str) -> Read | None:
        start = self._clock()
        status, error, body = 0, None, None
        try:
            response = client.get(f"/kv/{key}")
            status = response.status_code
            body = response.json() if status == 200 else None
        except (httpx.HTTPError, ValueError) as e:
            error = e
        end = self._clock()
        outcome = classify(status, _as_builtin_timeout(error), FOUND_OR_MISSING)
        return read_from_reply(key, Reply(outcome, status, body, start, end), sweep=True)

    def _wait_for_reports(self, moment: float) -> None:
        deadline = self._clock() + self._max_report_wait
        while self._collector.watermark() < moment and self._clock() < deadline:
            gevent.sleep(0.1)


def _as_builtin_timeout(error: Exception | None) -> Exception | None:
    return TimeoutError(str(error)) if isinstance(error, httpx.TimeoutException) else error
