"""Encoding for etcd's v3 JSON gateway: base64 bytes, string int64s, prefix ranges."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

# range_end "\0" together with a key means "every key >= key" (see etcd's KV API).
_ALL_KEYS_FROM = b"\0"


def encode(text: str | bytes) -> str:
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return base64.b64encode(raw).decode("ascii")


def decode(b64: str) -> str:
    return base64.b64decode(b64).decode("utf-8", errors="replace")


def prefix_range_end(prefix: bytes) -> bytes:
    """The smallest key greater than every key starting with ``prefix``."""
    trimmed = prefix.rstrip(b"\xff")
    if not trimmed:
        return _ALL_KEYS_FROM
    return trimmed[:-1] + bytes([trimmed[-1] + 1])


def as_int(value: Any) -> int:
    # The gateway renders int64 as strings and omits fields equal to zero.
    return int(value) if value is not None else 0


@dataclass(frozen=True, slots=True)
class KeyValue:
    key: str
    value: str
    create_revision: int
    mod_revision: int
    version: int

    @classmethod
    def from_gateway(cls, kv: dict[str, Any]) -> KeyValue:
        return cls(
            key=decode(kv.get("key", "")),
            value=decode(kv.get("value", "")),
            create_revision=as_int(kv.get("create_revision")),
            mod_revision=as_int(kv.get("mod_revision")),
            version=as_int(kv.get("version")),
        )


def header_revision(body: dict[str, Any]) -> int:
    return as_int(body.get("header", {}).get("revision"))
