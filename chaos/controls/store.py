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


class StoreUnreachable(RuntimeError):
    """Some members could not be reached; `results` says, per member, what happened."""

    def __init__(self, action: str, results: dict[str, str]) -> None:
        failed = {m: r for m, r in results.items() if r != "ok"}
        done = [m for m, r in results.items() if r == "ok"]
        text = "; ".join(f"{m}: {r}" for m, r in failed.items())
        super().__init__(
            f"{action}: {text}" + (f" (done on {', '.join(done)})" if done else "")
        )
        self.action = action
        self.results = results
        self.failed = failed


def _why(exc: Exception) -> str:
    if isinstance(exc, httpx.HTTPStatusError):
        return f"answered {exc.response.status_code}: {exc.response.text[:120]}"
    return f"unreachable ({type(exc).__name__})"


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
        await self._on_any_member(
            "delete the filler",
            "/v3/kv/deleterange",
            {"key": b64(FILL_PREFIX), "range_end": _prefix_end(FILL_PREFIX)},
            10.0,
        )
        await self.compact_and_defrag()
        await self.disarm()

    async def _on_any_member(
        self, action: str, path: str, body: dict, timeout: float
    ) -> httpx.Response:
        """The first member that answers does it (any member serves the whole cluster)."""
        results: dict[str, str] = {}
        for member, url in self.member_urls.items():
            try:
                response = await self.http.post(f"{url}{path}", json=body, timeout=timeout)
                if response.status_code >= 500:
                    response.raise_for_status()
                return response
            except httpx.HTTPError as exc:
                results[member] = _why(exc)
        raise StoreUnreachable(action, results)

    async def compact_and_defrag(self) -> dict[str, str]:
        """Compact through any member, then defragment every member that answers."""
        status = await self._on_any_member("read the revision", "/v3/maintenance/status", {}, 5.0)
        status.raise_for_status()
        revision = status.json()["header"]["revision"]
        compact = await self._on_any_member(
            "compact", "/v3/kv/compaction", {"revision": revision, "physical": True}, 30.0
        )
        if compact.status_code != 200 and "compacted" not in compact.text:
            compact.raise_for_status()
        return await self.defrag()

    async def defrag(self) -> dict[str, str]:
        """Every member, one at a time (defragmenting blocks a member while it runs); a member
        that does not answer is reported, and the others are still done."""
        results: dict[str, str] = {}
        for member, member_url in self.member_urls.items():
            try:
                response = await self.http.post(
                    f"{member_url}/v3/maintenance/defragment", json={}, timeout=60.0
                )
                response.raise_for_status()
                results[member] = "ok"
            except httpx.HTTPError as exc:
                results[member] = _why(exc)
            await asyncio.sleep(0)
        if any(r != "ok" for r in results.values()):
            raise StoreUnreachable("defragment", results)
        return results

    async def disarm(self) -> int:
        """Deactivate every alarm, through the first member that answers; returns how many."""
        results: dict[str, str] = {}
        for member, url in self.member_urls.items():
            try:
                found = await alarms(self.http, url)
                for alarm in found:
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
                return len(found)
            except httpx.HTTPError as exc:
                results[member] = _why(exc)
        raise StoreUnreachable("disarm", results)
