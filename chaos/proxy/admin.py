"""Admin HTTP API, served by uvicorn on the proxy's own event loop."""

from __future__ import annotations

import uuid

from fastapi import FastAPI, HTTPException, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chaos.proxy.faults import Direction, Fault
from chaos.proxy.metrics import ProxyCollector
from chaos.proxy.server import Proxy
from chaos.proxy.toxics import TOXICS


class FaultRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(default_factory=lambda: f"f-{uuid.uuid4().hex[:12]}", min_length=1)
    kind: str
    links: list[str] = Field(min_length=1)
    direction: Direction = "both"
    params: dict = {}


class QuietRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quiet: bool


def create_app(proxy: Proxy, registry: CollectorRegistry | None = None) -> FastAPI:
    registry = registry if registry is not None else CollectorRegistry()
    registry.register(ProxyCollector(proxy))
    app = FastAPI(title="gameday fault proxy")
    # Every handler is `async def` on purpose: FastAPI runs plain `def` handlers in a thread
    # pool, and the proxy state must only be touched from the event loop that runs it.

    @app.get("/healthz")
    async def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/links")
    async def links() -> list[dict]:
        return proxy.link_snapshots()

    @app.get("/faults")
    async def faults() -> list[dict]:
        return [f.to_json() for f in proxy.faults]

    @app.post("/faults", status_code=201)
    async def add_fault(req: FaultRequest):
        toxic_cls = TOXICS.get(req.kind)
        if toxic_cls is None:
            raise HTTPException(404, f"unknown fault kind {req.kind!r}; known: {sorted(TOXICS)}")
        try:
            params = toxic_cls.Params.model_validate(req.params)
        except ValidationError as exc:
            # Same shape as FastAPI's own 422s, located under body.params.<field>.
            detail = [
                {"loc": ["body", "params", *e["loc"]], "msg": e["msg"], "type": e["type"]}
                for e in exc.errors()
            ]
            return JSONResponse({"detail": detail}, status_code=422)
        fault = Fault(req.id, req.kind, req.links, req.direction, toxic_cls(params))
        proxy.add_fault(fault)
        return fault.to_json()

    @app.delete("/faults/{fault_id}")
    async def remove_fault(fault_id: str) -> dict:
        fault = proxy.remove_fault(fault_id)
        if fault is None:
            raise HTTPException(404, f"no fault {fault_id!r}")
        return fault.to_json()

    @app.delete("/faults")
    async def clear_faults() -> dict:
        return {"cleared": proxy.clear_faults()}

    @app.get("/peers")
    async def peers() -> dict[str, str]:
        return proxy.peer_ids

    @app.put("/quiet")
    async def set_quiet(body: QuietRequest) -> dict[str, bool]:
        """Hide which links are faulted from /metrics (drills); traffic metrics stay."""
        proxy.quiet = body.quiet
        return {"quiet": proxy.quiet}

    @app.put("/peers")
    async def set_peers(peer_ids: dict[str, str]) -> dict[str, str]:
        proxy.set_peers(peer_ids)
        return proxy.peer_ids

    @app.get("/metrics")
    async def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return app
