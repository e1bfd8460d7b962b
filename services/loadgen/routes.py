"""Routes added to Locust's own Flask web UI app, so one port serves the UI, `/metrics` and
the gameday control API."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from services.loadgen import auth
from services.loadgen.collector import Collector
from services.loadgen.control import InvalidField, LoadControl, parse_change
from services.loadgen.sweep import Sweeper


def install(
    app: Flask,
    control: LoadControl,
    collector: Collector,
    sweeper: Sweeper,
    token: str | None = None,
) -> None:
    """The gameday routes; every changing call (these and Locust's own) needs `token`."""
    auth.guard(app, token)
    last_sweep: dict[str, Any] = {}

    @app.get("/metrics")
    def metrics() -> Response:
        collector.refresh()
        return Response(generate_latest(collector.metrics.registry), mimetype=CONTENT_TYPE_LATEST)

    @app.get("/gameday/load")
    def get_load() -> Response:
        return jsonify(control.status())

    @app.post("/gameday/load")
    def set_load() -> Any:
        try:
            change = parse_change(request.get_json(silent=True))
        except InvalidField as e:
            return jsonify({"detail": e.message, "field": e.field}), 422
        control.apply(change)
        return jsonify(control.status())

    @app.get("/gameday/consistency")
    def consistency() -> Response:
        collector.refresh()
        return jsonify({**collector.checker.summary(), "last_sweep": last_sweep or None})

    @app.post("/gameday/consistency/sweep")
    def sweep() -> Response:
        last_sweep.clear()
        last_sweep.update(sweeper.run())
        return jsonify({**collector.checker.summary(), "last_sweep": last_sweep})
