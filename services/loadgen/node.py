"""Wires the loadgen into one Locust process according to its role.

* single process (LocalRunner): users record straight into the collector, which exports.
* master: runs no users; merges worker reports into the collector, exports, serves control.
* worker: users record into an outbox that rides along Locust's worker reports.
"""

from __future__ import annotations

import logging
import random
from typing import Any

from locust.runners import MasterRunner, WorkerRunner
from prometheus_client import CollectorRegistry

from services.loadgen import auth, routes, tracing
from services.loadgen.collector import Collector
from services.loadgen.consistency.checker import ConsistencyChecker
from services.loadgen.control import LoadControl
from services.loadgen.metrics import LoadMetrics
from services.loadgen.mix import OperationPicker
from services.loadgen.operations import Operations
from services.loadgen.options import TrafficSettings
from services.loadgen.outbox import REPORT_KEY, Outbox
from services.loadgen.pacing import plan_for_rate
from services.loadgen.recorder import Recorder
from services.loadgen.sweep import Sweeper

# Master -> worker: the per-user rate changed. Worker -> master: please send it (a worker only
# asks once it listens, as it connects before the locustfile's init hook runs).
PER_USER_RATE_MESSAGE = "gameday_per_user_rate"
PER_USER_RATE_REQUEST = "gameday_per_user_rate_request"
logger = logging.getLogger(__name__)


class Node:
    def __init__(
        self,
        environment: Any,
        settings: TrafficSettings,
        initial_rate: float,
        report_interval: float,
    ) -> None:
        runner = environment.runner
        self.settings = settings
        # Every process derives the same starting per-user rate from the same options, so
        # workers only need to hear about later changes.
        self.per_user_rate = plan_for_rate(initial_rate, settings.max_per_user_rate).per_user_rate
        self.picker = OperationPicker(settings.mix, random.Random())
        self.collector: Collector | None = None
        recorder: Recorder
        if isinstance(runner, WorkerRunner):
            recorder = self._wire_worker(environment, runner)
        else:
            recorder = self._wire_exporter(environment, runner, report_interval)
        # Each request's own span, exported to the controller when the stack says where.
        self.tracing = tracing.from_environment(token=auth.read_admin_token())
        environment.events.quitting.add_listener(lambda **_: self.tracing.shutdown())
        self.operations = Operations(settings.keys, recorder, tracing=self.tracing)

    def _wire_worker(self, environment: Any, runner: WorkerRunner) -> Outbox:
        outbox = Outbox()

        def attach_outbox(client_id: str, data: dict[str, Any], **_: Any) -> None:
            data[REPORT_KEY] = outbox.drain()

        def take_per_user_rate(msg: Any, **_: Any) -> None:
            self.per_user_rate = float(msg.data["per_user_rate"])

        environment.events.report_to_master.add_listener(attach_outbox)
        runner.register_message(PER_USER_RATE_MESSAGE, take_per_user_rate)
        runner.send_message(PER_USER_RATE_REQUEST)
        return outbox

    def _wire_exporter(self, environment: Any, runner: Any, report_interval: float) -> Collector:
        is_master = isinstance(runner, MasterRunner)

        def share_per_user_rate(rate: float) -> None:
            self.per_user_rate = rate
            if is_master:
                runner.send_message(PER_USER_RATE_MESSAGE, {"per_user_rate": rate})

        control = LoadControl(
            runner,
            self.settings.max_per_user_rate,
            self.per_user_rate,
            share_per_user_rate,
            user_processes=lambda: runner.worker_count if is_master else 1,
        )
        metrics = LoadMetrics(
            CollectorRegistry(), target_rate=control.target_rate, users=lambda: runner.user_count
        )
        collector = Collector(metrics, ConsistencyChecker())
        self.collector = collector

        if is_master:

            def on_worker_connect(client_id: str, **_: Any) -> None:
                collector.expect(client_id)

            def send_per_user_rate(msg: Any, **_: Any) -> None:
                runner.send_message(
                    PER_USER_RATE_MESSAGE, {"per_user_rate": self.per_user_rate}, msg.node_id
                )

            def on_worker_report(client_id: str, data: dict[str, Any], **_: Any) -> None:
                if REPORT_KEY in data:
                    collector.merge(client_id, data[REPORT_KEY])
                    collector.refresh()

            environment.events.worker_connect.add_listener(on_worker_connect)
            environment.events.worker_report.add_listener(on_worker_report)
            runner.register_message(PER_USER_RATE_REQUEST, send_per_user_rate)

        if environment.web_ui is None:
            logger.warning("no Locust web UI: /metrics and /gameday routes are not served")
            return collector
        sweeper = Sweeper(environment.host, collector, self.settings.timeout + 1, report_interval)
        routes.install(
            environment.web_ui.app, control, collector, sweeper, token=auth.read_admin_token()
        )
        return collector
