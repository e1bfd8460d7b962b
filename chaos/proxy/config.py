"""The link table file (`proxy/links.json`): which ports to listen on and where to pipe."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator, model_validator


def split_hostport(addr: str) -> tuple[str, int]:
    host, _, port = addr.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"expected HOST:PORT, got {addr!r}")
    return host, int(port)


class LinkSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    listen: str
    upstream: str
    kind: Literal["tcp", "etcd-peer"] = "tcp"
    # etcd-peer only: the member this link carries peer traffic into (`store-2`).
    dst: str | None = None

    @field_validator("listen", "upstream")
    @classmethod
    def _hostport(cls, value: str) -> str:
        split_hostport(value)
        return value

    @model_validator(mode="after")
    def _peer_needs_dst(self) -> LinkSpec:
        if self.kind == "etcd-peer" and not self.dst:
            raise ValueError(f"link {self.name!r}: kind etcd-peer needs dst")
        return self


class ProxyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    links: list[LinkSpec]
    # etcd member id (hex, as in X-Server-From) -> component name.
    peer_ids: dict[str, str] = {}

    @classmethod
    def load(cls, path: str | Path) -> ProxyConfig:
        return cls.model_validate(json.loads(Path(path).read_text()))
