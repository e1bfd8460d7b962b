"""Admin HTTP API, served by uvicorn on the proxy's own event loop.

Reads (`GET /faults`, `/links`, `/peers`, `/metrics`, `/healthz`) are open; every mutating
call (`POST`/`DELETE /faults`, `PUT /quiet`, `PUT /peers`) needs `Authorization: Bearer
<token>` with the stack's admin token (chaos/proxy/token.py), else 401. Without a token
configured, nothing can be changed.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, HTTPException, Path, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from chaos.netfaults.schemas import FAULT_ID_PATTERN, FaultSpec
from chaos.proxy.faults import Fault
from chaos.proxy.metrics import ProxyCollector
from chaos.proxy.server import Proxy
from chaos.proxy.token import bearer_ok
from chaos.proxy.toxics import TOXICS

log = logging.getLogger("chaos.proxy.admin")

MUTATING = frozenset({"POST", "PUT", "DELETE", "PATCH"})


FaultRequest = FaultSpec  # the one wire shape, shared with the controller side


class QuietRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quiet: bool


class TokenGuard:
    """Pure ASGI middleware: a mutating request without the right bearer token gets 401
    before any routing or body parsing."""

    def __init__(self, app, token: str | None) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["method"] in MUTATING:
            headers = dict(scope.get("headers") or [])
            raw = headers.get(b"authorization")
            if not bearer_ok(raw.decode("latin-1") if raw else None, self.token):
                response = JSONResponse(
                    {"detail": "authorization: a mutating call needs 'Bearer <admin token>'"},
                    status_code=401, headers={"WWW-Authenticate": "Bearer"},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_app(proxy: Proxy, registry: CollectorRegistry | None = None, *,
               token: str | None = None) -> FastAPI:
    registry = registry if registry is not None else CollectorRegistry()
    registry.register(ProxyCollector(proxy))
    app = FastAPI(title="gameday fault proxy")
    app.add_middleware(TokenGuard, token=token)


    @app.exception_handler(StarletteHTTPException)
    async def located_errors(request: Request, exc: StarletteHTTPException):
        # FastAPI's "There was an error parsing the body" (400) names nothing: say where.
        if exc.status_code == 400:
            return JSONResponse({"detail": [{"loc": ["body"], "msg": str(exc.detail),
                                             "type": "body_parse"}]}, status_code=400)
        return await http_exception_handler(request, exc)

    if not token:
        log.warning("no admin token (GAMEDAY_ADMIN_TOKEN[_FILE]): the admin API is read-only")
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
            raise HTTPException(
                404, f"kind: unknown fault kind {req.kind!r}; known: {sorted(TOXICS)}"
            )
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

    # `:path` so that an id with a slash reaches this handler and is refused by the id
    # grammar (422), instead of matching no route (a 404 a client could take for "gone").
    @app.delete("/faults/{fault_id:path}")
    async def remove_fault(
        fault_id: str = Path(pattern=FAULT_ID_PATTERN, description="A fault id"),
    ):
        fault = proxy.remove_fault(fault_id)
        if fault is None:
            # `fault_id` in the body: the client tells "no such fault" from a wrong route.
            return JSONResponse({"detail": f"no fault {fault_id!r}", "fault_id": fault_id},
                                status_code=404)
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
