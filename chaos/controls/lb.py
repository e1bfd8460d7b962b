"""HAProxy's runtime API (the admin socket): change servers live, without a reload."""

from __future__ import annotations

import asyncio
import csv
import io

BACKEND = "web"


class LbAdminError(RuntimeError):
    pass


class LbAdmin:
    def __init__(self, socket_path: str) -> None:
        self.socket_path = socket_path

    async def command(self, line: str) -> str:
        # One command per connection: HAProxy answers and closes in non-interactive mode.
        reader, writer = await asyncio.wait_for(
            asyncio.open_unix_connection(self.socket_path), timeout=2.0
        )
        try:
            writer.write(line.encode() + b"\n")
            await writer.drain()
            answer = await asyncio.wait_for(reader.read(), timeout=5.0)
        finally:
            writer.close()
        return answer.decode(errors="replace")

    async def set_state(self, server: str, state: str) -> None:
        """state: ready (in rotation), drain (no new traffic), maint (out)."""
        answer = await self.command(f"set server {BACKEND}/{server} state {state}")
        if answer.strip():  # success is silent
            raise LbAdminError(answer.strip())

    async def servers(self) -> dict[str, dict[str, str]]:
        """Per server of the web backend: status, current sessions, admin state..."""
        text = await self.command("show stat")
        rows = csv.DictReader(io.StringIO(text.lstrip("# ")))
        return {
            row["svname"]: row
            for row in rows
            if row.get("pxname") == BACKEND and row.get("svname") not in ("FRONTEND", "BACKEND")
        }

    async def sessions(self, server: str) -> int:
        row = (await self.servers()).get(server)
        if row is None:
            raise LbAdminError(f"no server {server} in backend {BACKEND}")
        return int(row.get("scur") or 0)
