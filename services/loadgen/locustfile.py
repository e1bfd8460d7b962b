"""Locust entry point (`locust -f services/loadgen/locustfile.py`). Normally started by
`python -m services.loadgen`, which builds the full Locust command line."""

from __future__ import annotations

from typing import Any

import locust.runners
from locust import events

from services import jsonlog
from services.loadgen.node import Node
from services.loadgen.options import add_locust_arguments, from_locust_options
from services.loadgen.user import KvUser

# Workers piggyback our metrics on Locust's worker reports; the default 3 s would make
# /metrics lag Prometheus' 1 s scrapes by several samples.
locust.runners.WORKER_REPORT_INTERVAL = 1.0

__all__ = ["KvUser"]


@events.init_command_line_parser.add_listener
def _add_arguments(parser: Any, **_: Any) -> None:
    add_locust_arguments(parser)


@events.init.add_listener
def _wire(environment: Any, **_: Any) -> None:
    # Locust has set up its log handlers by now: make them write the stack's JSON lines.
    jsonlog.reformat("loadgen")
    settings = from_locust_options(environment.parsed_options)
    KvUser.network_timeout = settings.timeout
    KvUser.connection_timeout = settings.connect_timeout
    KvUser.node = Node(
        environment,
        settings,
        initial_rate=environment.parsed_options.gameday_rate,
        report_interval=locust.runners.WORKER_REPORT_INTERVAL,
    )
