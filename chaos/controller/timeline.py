"""The controller's event timeline, wired: one `EventLog` in `<state-dir>/events.jsonl` and a
recorder that appends what the fault manager, the runtime, the pager, remediation, the drills,
the cluster view (store leader changes) and Alertmanager (silences) know, each event once
(docs/alerts.md, "The event timeline")."""

from __future__ import annotations

import time

from chaos.events import derive
from chaos.events.leader import LeaderWatch
from chaos.events.log import EventLog
from chaos.events.recorder import EventRecorder
from chaos.events.silences import SilenceWatch

LOG_NAME = "events.jsonl"


def recorder_for(controller) -> EventRecorder:
    """A recorder over `controller`'s parts (read when it syncs, so built after them)."""
    leader = LeaderWatch(controller.leader, time.time)
    silences = SilenceWatch(controller.http, lambda: controller.plan.reach("alertmanager"))
    return EventRecorder(EventLog(controller.state.root / LOG_NAME),
                         lambda since: derive.derived(controller, since, leader, silences),
                         refresh=silences.refresh)
