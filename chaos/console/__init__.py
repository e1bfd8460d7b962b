"""The web console: a single page served by the controller (topology, golden signals, faults).

The page is plain ES modules plus a vendored chart library (uPlot), so there is no build step.
`install(app)` adds the page routes, the loopback-only session endpoint and the static files.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from chaos.console.routes import STATIC_DIR, router

__all__ = ["install", "router"]


def install(app: FastAPI) -> None:
    """Serve the console at `/` and `/console`, its assets under `/console/static/`."""
    app.include_router(router)
    app.mount("/console/static", StaticFiles(directory=STATIC_DIR), name="console-static")
