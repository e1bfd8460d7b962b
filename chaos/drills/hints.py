"""Hints from evidence, read from Prometheus when the learner asks, as a teammate would give
them on a call: the first names the page that fired and the golden signal furthest from its
baseline; the second narrows to the culprit's tier and the metric that sets it apart from its
peers (without naming it); the last names the component. Symptoms only: no hint names a fault
or its mechanism. The incident file's own hints stand in for what Prometheus cannot answer."""

from __future__ import annotations

import statistics
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from chaos.pager.model import Page
from chaos.scenarios.probes import QueryFailed

LEVELS = 3
# A golden signal this far from its baseline (see Signal.deviation) is worth naming.
NOTABLE = 0.5

Vector = list[tuple[dict[str, str], float]]
# expr, time -> every series of an instant query at that time
Query = Callable[[str, float], Awaitable[Vector]]


def _percent(v: float) -> str:
    return f"{v * 100:.1f}%"


def _ms(v: float) -> str:
    return f"{v * 1000:.0f} ms"


def _rate(v: float) -> str:
    return f"{v:.1f} req/s"


def _plain(v: float) -> str:
    return f"{v:g}"


def _mib(v: float) -> str:
    return f"{v / 2**20:.0f} MiB"


@dataclass(frozen=True)
class Signal:
    """A golden signal of the whole service, as users see it."""

    name: str
    query: str
    show: Callable[[float], str]
    floor: float  # the smallest baseline a change is measured against
    drop: bool = False  # worse when it falls (traffic)

    def deviation(self, base: float, now: float) -> float:
        if self.drop:
            return (base - now) / max(base, self.floor)
        return (now - base) / max(base, self.floor)


GOLDEN = [
    Signal("errors", "job:loadgen_errors:ratio_rate15s", _percent, floor=0.01),
    Signal("latency", "job:loadgen_request_duration_seconds:p99_15s", _ms, floor=0.02),
    Signal("traffic", "job:loadgen_requests:rate15s", _rate, floor=1.0, drop=True),
    Signal("saturation", 'max(instance:http_requests_in_flight:sum{job="web"})', _plain,
           floor=2.0),
]


@dataclass(frozen=True)
class Metric:
    """A per-instance metric that can set one member of a tier apart from its peers."""

    name: str
    query: str  # keeps the `instance` label
    show: Callable[[float], str]
    floor: float


TIERS: dict[str, list[Metric]] = {
    "web": [
        Metric("being up", 'up{job="web"}', _plain, 1.0),
        Metric("error ratio", 'instance:http_errors:ratio_rate15s{job="web"}', _percent, 0.01),
        Metric("p99 latency", 'instance:http_request_duration_seconds:p99_15s{job="web"}', _ms,
               0.02),
        Metric("store-call error ratio", "instance:store_errors:ratio_rate15s", _percent, 0.01),
        Metric("store-call p99 latency", "instance:store_request_duration_seconds:p99_15s", _ms,
               0.02),
        Metric("request rate", 'instance:http_requests:rate15s{job="web"}', _rate, 1.0),
        Metric("event-loop lag", 'instance:event_loop_lag_seconds:max{job="web"}', _ms, 0.01),
        Metric("CPU", 'instance:process_cpu:rate15s{job="web"}', _percent, 0.1),
        Metric("resident memory", 'instance:process_resident_memory_bytes:max{job="web"}', _mib,
               64 * 2**20),
        Metric("restarts in the last minute", 'instance:process_restarts:changes1m{job="web"}',
               _plain, 1.0),
    ],
    "store": [
        Metric("being up", 'up{job="store"}', _plain, 1.0),
        Metric("seeing a leader", 'etcd_server_has_leader{job="store"}', _plain, 1.0),
        Metric("WAL fsync p99", "instance:etcd_disk_wal_fsync_duration_seconds:p99_15s", _ms,
               0.01),
        Metric("quota used", "instance:etcd_db_quota_used:ratio", _percent, 0.1),
        Metric("CPU", 'instance:process_cpu:rate15s{job="store"}', _percent, 0.1),
        Metric("restarts in the last minute", 'instance:process_restarts:changes1m{job="store"}',
               _plain, 1.0),
    ],
}


def _scalar(vector: Vector) -> float | None:
    return vector[0][1] if vector else None


async def first_hint(query: Query, pages: list[Page], started_at: float, now: float) -> str:
    """The page that fired (or that none has) and the golden signal that moved most."""
    paged = sorted((p for p in pages if p.opened_at >= started_at), key=lambda p: p.opened_at)
    if paged:
        names = sorted({a.labels.get("alertname", p.title) for p in paged for a in p.alerts}
                       or {paged[0].title})
        lead = (f"Paged {now - paged[0].opened_at:.0f}s ago: {', '.join(names)}.")
    else:
        lead = "Nothing has paged yet."
    moved: list[tuple[float, Signal, float, float]] = []
    for signal in GOLDEN:
        base = _scalar(await query(signal.query, started_at - 1))
        current = _scalar(await query(signal.query, now))
        if base is not None and current is not None:
            moved.append((signal.deviation(base, current), signal, base, current))
    if not moved:
        raise QueryFailed("no golden signal has data")
    score, signal, base, current = max(moved, key=lambda m: m[0])
    if score < NOTABLE:
        return f"{lead} No golden signal is far from its baseline yet; watch them."
    return (f"{lead} Of the golden signals, {signal.name} moved most from its baseline: "
            f"{signal.show(base)} before the incident, {signal.show(current)} now.")


@dataclass(frozen=True)
class Separation:
    metric: Metric
    culprits: dict[str, float]
    peers: float  # the peers' median

    @property
    def score(self) -> float:
        return max(abs(v - self.peers) for v in self.culprits.values()) / max(
            abs(self.peers), self.metric.floor)


async def separation(query: Query, tier: str, culprits: list[str], members: list[str],
                     now: float) -> Separation | None:
    """The tier's metric that best sets the culprits apart from their peers, if any does."""
    best: Separation | None = None
    for metric in TIERS.get(tier, []):
        values = {labels.get("instance"): v for labels, v in await query(metric.query, now)}
        theirs = {c: values[c] for c in culprits if c in values}
        peers = [values[m] for m in members if m not in culprits and m in values]
        if not theirs or not peers:
            continue
        found = Separation(metric, theirs, statistics.median(peers))
        if found.score >= NOTABLE and (best is None or found.score > best.score):
            best = found
    return best


def _against(found: Separation) -> str:
    shown = ", ".join(found.metric.show(v) for v in found.culprits.values())
    return f"{shown} against {found.metric.show(found.peers)} for its peers"


def second_hint(tier: str, culprits: list[str], found: Separation | None) -> str:
    if found is None:
        return f"Look at the {tier} tier; compare its members with each other."
    which = "One member" if len(culprits) == 1 else f"{len(culprits)} members"
    return (f"Look at the {tier} tier. {which} stands apart from its peers on "
            f"{found.metric.name}: {_against(found)}.")


def third_hint(culprits: list[str], found: Separation | None) -> str:
    named = " and ".join(culprits)
    if found is None:
        return f"Look at {named}."
    return f"It is {named}: {found.metric.name} {_against(found)}."


async def evidence_hint(level: int, query: Query, *, pages: list[Page], started_at: float,
                        now: float, tier: str, culprits: list[str], members: list[str]) -> str:
    """Hint `level` (0, 1 or 2) from what the signals show at `now`; QueryFailed when
    Prometheus cannot say."""
    if level == 0:
        return await first_hint(query, pages, started_at, now)
    found = await separation(query, tier, culprits, members, now)
    return second_hint(tier, culprits, found) if level == 1 else third_hint(culprits, found)
