"""The few etcd v3 JSON-gateway calls the controller needs (status, members, alarms)."""

from __future__ import annotations

import base64

import httpx


def b64(text: str | bytes) -> str:
    raw = text.encode() if isinstance(text, str) else text
    return base64.b64encode(raw).decode()


async def member_status(client: httpx.AsyncClient, url: str, timeout: float = 0.5) -> dict:
    response = await client.post(f"{url}/v3/maintenance/status", json={}, timeout=timeout)
    response.raise_for_status()
    return response.json()


def leads(status: dict) -> bool:
    """Whether a member's `/v3/maintenance/status` answer names the member itself as leader."""
    leader = status.get("leader")
    return leader not in (None, "0") and leader == status.get("header", {}).get("member_id")


async def is_leader(client: httpx.AsyncClient, url: str, timeout: float = 0.5) -> bool:
    return leads(await member_status(client, url, timeout))


async def member_ids_by_name(client: httpx.AsyncClient, url: str) -> dict[str, str]:
    """Member name -> member id in hex, the form etcd puts in its X-Server-From header."""
    response = await client.post(f"{url}/v3/cluster/member/list", json={}, timeout=1.0)
    response.raise_for_status()
    return {
        m["name"]: format(int(m["ID"]), "x")
        for m in response.json().get("members", [])
        if m.get("name")
    }


async def alarms(client: httpx.AsyncClient, url: str) -> list[dict]:
    response = await client.post(f"{url}/v3/maintenance/alarm", json={"action": "GET"}, timeout=1.0)
    response.raise_for_status()
    return response.json().get("alarms", []) or []
