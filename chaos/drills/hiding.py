"""What the console, the API and the dashboards may show while a drill hides its faults.

A learner must see what an on-call engineer would: alerts, dashboards, logs and status, never
the fault itself. So hidden faults are left out of fault listings and of the chaos_* series
(the dashboards' annotation source), and the status of a component they hit looks like real
life: a frozen process is `running` (only its health says otherwise), nothing is `held_down`,
and an exit a fault caused reads as what was observed (death by signal 9, exit code 137, ...),
decided on the exit's recorded cause (`ExitReason`), never on its text.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import Counter
from collections.abc import Callable

from chaos.faults.manager import FaultRecord
from chaos.logs.entry import LogEntry
from chaos.runtime.exits import ExitReason

log = logging.getLogger("gameday.drills")

QUIET_TRIES = 3


def visible(records: list[FaultRecord], hidden: set[str]) -> list[FaultRecord]:
    return [r for r in records if r.id not in hidden]


def mask_component(component: dict, hit: set[str]) -> dict:
    """A status entry as a learner may see it, for a component hit by a hidden fault."""
    if component.get("name") not in hit:
        return component
    masked = dict(component)
    if masked.get("state") == "paused":
        masked["state"] = "running"
    masked["held_down"] = False
    if masked.get("exit") is not None:
        # OOM kills stay OOM kills (the kernel says so in real life); a fault's kill or stop
        # reads as the bare exit it produced.
        seen = ExitReason.model_validate(masked["exit"]).as_observed()
        masked["exit"] = seen.model_dump(mode="json")
        masked["last_exit"] = seen.describe()
    return masked


def mask_status(status: dict, hit: set[str]) -> dict:
    if not hit:
        return status
    return {**status, "components": [mask_component(c, hit) for c in status["components"]]}


def hidden_counts(records: dict[str, FaultRecord], hidden: set[str]
                  ) -> tuple[Counter[tuple[str, str]], Counter[tuple[str, str]]]:
    """(injections, reverts) the hidden faults added to the fault manager's counters, so the
    exported counters can leave them out until the reveal."""
    injections: Counter[tuple[str, str]] = Counter()
    reverts: Counter[tuple[str, str]] = Counter()
    for fault_id in hidden:
        record = records.get(fault_id)
        if record is None:
            continue
        if record.state in ("active", "reverting", "reverted", "revert_failed"):
            injections[(record.type, "applied")] += 1
        elif record.state in ("failed", "skipped"):
            injections[(record.type, record.state)] += 1
        if record.state == "reverted":
            reverts[(record.type, "ok")] += 1
        if record.revert_attempts:
            reverts[(record.type, "failed")] += record.revert_attempts
    return injections, reverts


async def set_quiet(proxy, apps, web_instances: list[str], quiet: bool) -> None:
    """While a drill runs, the fault proxy and every web instance export no series that names
    a fault (their `PUT /quiet`); traffic metrics stay. A failure is logged, the drill goes on."""

    async def one(what: str, call) -> None:
        # A busy instance may miss the 2 s timeout once; a quiet mode left off would show.
        for attempt in range(QUIET_TRIES):
            try:
                await call()
                return
            except Exception as exc:  # noqa: BLE001 - one unreachable instance must not stop it
                if attempt == QUIET_TRIES - 1:
                    log.warning("could not set the quiet mode of %s: %s", what, exc)

    await asyncio.gather(one("the fault proxy", lambda: proxy.set_quiet(quiet)),
                         *(one(name, lambda n=name: apps.set_quiet(n, quiet))
                           for name in web_instances))


# The chaos machinery's own components: while a drill runs, their lines are the fault itself.
CHAOS_COMPONENTS = frozenset({"controller", "proxy"})
# Words that name the mechanism whatever the fault (matched at a word start: "faults" too).
LOG_WORDS = ("fault", "chaos")


def log_filter(records: dict[str, FaultRecord], hidden: set[str], started_at: float
               ) -> Callable[[LogEntry], bool]:
    """What central log search must withhold while a drill runs: every line of the controller
    and the fault proxy since the drill started, and any line (message or logger) that names
    a hidden fault's id or type, or says "fault" or "chaos", at a word start. The rest (web,
    store, lb, loadgen, Prometheus: the symptoms) stays; the reveal shows everything."""
    words = {*LOG_WORDS, *hidden, *(records[i].type for i in hidden if i in records)}
    named = re.compile("|".join(rf"\b{re.escape(w)}" for w in sorted(words)), re.IGNORECASE)
    since = started_at - 1.0  # the drill's own start-up lines come just before its clock

    def hide(entry: LogEntry) -> bool:
        if entry.component in CHAOS_COMPONENTS and entry.time >= since:
            return True
        return bool(named.search(entry.message) or named.search(entry.logger or ""))

    return hide
