"""The key-value API: ``/kv/{key}`` and ``/kv?prefix=``.

Revisions: ``revision`` in every item is the store revision at which that value was
written (etcd's ``mod_revision``), so a value read back carries the same revision its
PUT returned. ``store_revision`` is the store revision the read observed.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request

from services.web.etcd_codec import KeyValue
from services.web.store_client import EtcdGateway
from services.web.validation import (
    DEFAULT_LIST_LIMIT,
    MAX_LIST_LIMIT,
    PutValue,
    checked_key,
    checked_prefix,
)

router = APIRouter(tags=["kv"])

Consistency = Literal["linearizable", "serializable"]


def _gateway(request: Request) -> EtcdGateway:
    return request.app.state.gateway


def _item(kv: KeyValue) -> dict[str, Any]:
    return {"key": kv.key, "value": kv.value, "revision": kv.mod_revision}


@router.put("/kv/{key:path}")
async def put_key(key: str, body: PutValue, request: Request) -> dict[str, Any]:
    checked_key(key)
    revision = await _gateway(request).put(key, body.value)
    return {"key": key, "value": body.value, "revision": revision}


@router.get("/kv/{key:path}")
async def get_key(
    key: str, request: Request, consistency: Consistency = "linearizable"
) -> dict[str, Any]:
    checked_key(key)
    found, store_revision = await _gateway(request).get(
        key, serializable=consistency == "serializable"
    )
    if found is None:
        raise HTTPException(status_code=404, detail=f"key {key!r} does not exist")
    return {
        **_item(found),
        "mod_revision": found.mod_revision,
        "create_revision": found.create_revision,
        "version": found.version,
        "store_revision": store_revision,
    }


@router.delete("/kv/{key:path}")
async def delete_key(key: str, request: Request) -> dict[str, Any]:
    checked_key(key)
    deleted, revision = await _gateway(request).delete(key)
    if deleted == 0:
        raise HTTPException(status_code=404, detail=f"key {key!r} does not exist")
    return {"key": key, "deleted": True, "revision": revision}


@router.get("/kv")
async def list_keys(
    request: Request,
    prefix: str = "",
    limit: int = Query(default=DEFAULT_LIST_LIMIT, ge=1, le=MAX_LIST_LIMIT),
    consistency: Consistency = "linearizable",
) -> dict[str, Any]:
    checked_prefix(prefix)
    result = await _gateway(request).list(prefix, limit, serializable=consistency == "serializable")
    return {
        "items": [_item(kv) for kv in result.items],
        "count": len(result.items),
        "more": result.more,
        "store_revision": result.store_revision,
    }
