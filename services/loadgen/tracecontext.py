"""A new trace per request: the W3C `traceparent` header the load generator sends, so the web
instance that serves the request continues the trace (its server span is the child of this
request's span) instead of starting one of its own.

The load generator is the root of its traces, so it makes the sampling decision (W3C's
sampled flag) and the web instances follow it: a share `GAMEDAY_TRACE_SAMPLE_RATIO` (default
0.05: at the default 20 req/s, one trace a second) of its requests is recorded. A recorded
request costs the web instance far more CPU than an unrecorded one (docs/observability.md),
and the bulk traffic would otherwise pay it all.

This is the header alone, for a load generator with nowhere to export its spans; with an
endpoint, services/loadgen/tracing.py makes each request's span and sends its context.
"""

from __future__ import annotations

import os
import random

RATIO_ENV = "GAMEDAY_TRACE_SAMPLE_RATIO"
DEFAULT_RATIO = 0.05

# Ids need to be unique, not secret: the Mersenne Twister is fast and seeded from os.urandom.
_ids = random.Random()


def sample_ratio(environ: dict[str, str] | None = None) -> float:
    raw = (os.environ if environ is None else environ).get(RATIO_ENV, "")
    if not raw:
        return DEFAULT_RATIO
    try:
        ratio = float(raw)
    except ValueError:
        raise ValueError(f"{RATIO_ENV}={raw!r}: use a number from 0 to 1") from None
    if not 0.0 <= ratio <= 1.0:
        raise ValueError(f"{RATIO_ENV}={raw!r}: use a number from 0 to 1")
    return ratio


_ratio = sample_ratio()


def traceparent(ratio: float | None = None) -> str:
    """`00-<trace id>-<span id>-<flags>`: version 0, fresh random ids, sampled (01) for a
    share `ratio` of the calls, else 00."""
    share = _ratio if ratio is None else ratio
    trace_id = _ids.getrandbits(128) or 1
    span_id = _ids.getrandbits(64) or 1
    sampled = "01" if _ids.random() < share else "00"
    return f"00-{trace_id:032x}-{span_id:016x}-{sampled}"
