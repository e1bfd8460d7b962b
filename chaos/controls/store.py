"""Filling the store up to its quota (NOSPACE) and recovering from it, through etcd's API."""

from __future__ import annotations

import asyncio
import os

import httpx

from chaos.etcd_admin import alarms, b64

FILL_PREFIX = "__gameday/fill/"
CHUNK_BYTES = 512 * 1024  # well under etcd's default 1.5 MiB request limit, even as base64
# Overwriting a few keys, rather than adding new ones, fills the disk with old revisions, as a
# write-heavy incident does: then compaction plus defragmentation (the runbook) frees it.
FILL_KEYS = 4
NOSPACE_TEXT = "database space exceeded"


def _prefix_end(prefix: str) -> str:
    raw = bytearray(prefix.encode())
    raw[-1] += 1
    return b64(bytes(raw))


class StoreAdmin:
    def __init__(
        self, http: httpx.AsyncClient, member_urls: dict[str, str], quota_bytes: int
    ) -> None:
        self.http = http
        self.member_urls = member_urls
        self.quota_bytes = quota_bytes

    async def fill(self, member: str, fault_id: str) -> dict:
        """Write incompressible chunks through `member` until etcd raises NOSPACE."""
        url = self.member_urls[member]
        limit = 2 * self.quota_bytes // CHUNK_BYTES + 8  # bounded even if the quota is ignored
        for index in range(limit):
            response = await self.http.post(
                f"{url}/v3/kv/put",
                json={
                    "key": b64(f"{FILL_PREFIX}{fault_id}/{index % FILL_KEYS}"),
                    "value": b64(os.urandom(CHUNK_BYTES)),
                },
                timeout=10.0,
            )
            if NOSPACE_TEXT in response.text:
                return {"chunks": index, "bytes": index * CHUNK_BYTES}
            response.raise_for_status()
        if any(a.get("alarm") == "NOSPACE" for a in await alarms(self.http, url)):
            return {"chunks": limit, "bytes": limit * CHUNK_BYTES}
        raise RuntimeError(f"wrote {limit} chunks and etcd raised no NOSPACE alarm")

    async def unfill(self, fault_id: str | None = None) -> None:
        """Delete the filler, compact, defragment every member, then disarm the alarm."""
        url = next(iter(self.member_urls.values()))
        response = await self.http.post(
            f"{url}/v3/kv/deleterange",
            json={"key": b64(FILL_PREFIX), "range_end": _prefix_end(FILL_PREFIX)},
            timeout=10.0,
        )
        response.raise_for_status()
        await self.compact_and_defrag()
        await self.disarm()

    async def compact_and_defrag(self) -> None:
        url = next(iter(self.member_urls.values()))
        status = await self.http.post(f"{url}/v3/maintenance/status", json={}, timeout=5.0)
        status.raise_for_status()
        revision = status.json()["header"]["revision"]
        compact = await self.http.post(
            f"{url}/v3/kv/compaction", json={"revision": revision, "physical": True}, timeout=30.0
        )
        if compact.status_code != 200 and "compacted" not in compact.text:
            compact.raise_for_status()
        await self.defrag()

    async def defrag(self) -> None:
        # One member at a time: defragmenting blocks the member while it runs.
        for member_url in self.member_urls.values():
            response = await self.http.post(
                f"{member_url}/v3/maintenance/defragment", json={}, timeout=60.0
            )
            response.raise_for_status()
            await asyncio.sleep(0)

    async def disarm(self) -> None:
        url = next(iter(self.member_urls.values()))
        for alarm in await alarms(self.http, url):
            response = await self.http.post(
                f"{url}/v3/maintenance/alarm",
                json={
                    "action": "DEACTIVATE",
                    "memberID": alarm.get("memberID", "0"),
                    "alarm": alarm.get("alarm", "NOSPACE"),
                },
                timeout=5.0,
            )
            response.raise_for_status()
