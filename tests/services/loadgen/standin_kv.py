"""A tiny in-memory stand-in for the KV API (same routes and revisions), for loadgen tests.

Run as `python standin_kv.py PORT`. Extra `/_standin/...` routes let a test count the
requests served and lose data behind the API's back.
"""

from __future__ import annotations

import sys
from typing import Any

import uvicorn
from fastapi import FastAPI, HTTPException, Request

app = FastAPI()
store: dict[str, tuple[str, int]] = {}  # key -> (value, mod_revision)
state = {"revision": 1, "requests": 0}


@app.middleware("http")
async def count_requests(request: Request, call_next: Any) -> Any:
    if request.url.path.startswith("/kv"):
        state["requests"] += 1
    return await call_next(request)


@app.put("/kv/{key:path}")
async def put(key: str, body: dict[str, str]) -> dict[str, Any]:
    state["revision"] += 1
    store[key] = (body["value"], state["revision"])
    return {"key": key, "value": body["value"], "revision": state["revision"]}


@app.get("/kv/{key:path}")
async def get(key: str) -> dict[str, Any]:
    if key not in store:
        raise HTTPException(404)
    value, mod_revision = store[key]
    return {"key": key, "value": value, "revision": state["revision"], "mod_revision": mod_revision}


@app.delete("/kv/{key:path}")
async def delete(key: str) -> dict[str, Any]:
    if store.pop(key, None) is None:
        raise HTTPException(404)
    state["revision"] += 1
    return {"key": key, "revision": state["revision"]}


@app.get("/kv")
async def list_prefix(prefix: str = "", limit: int = 100) -> dict[str, Any]:
    items = [
        {"key": k, "value": v, "revision": r}
        for k, (v, r) in sorted(store.items())
        if k.startswith(prefix)
    ][:limit]
    return {"items": items, "count": len(items)}


@app.get("/_standin/stats")
async def stats() -> dict[str, Any]:
    return {"requests": state["requests"], "revision": state["revision"]}


@app.post("/_standin/forget")
async def forget(prefix: str) -> dict[str, Any]:
    """Lose keys without a revision bump, like a store that dropped acknowledged writes."""
    lost = [k for k in store if k.startswith(prefix)]
    for key in lost:
        del store[key]
    return {"forgotten": lost}


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
