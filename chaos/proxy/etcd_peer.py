"""Who dialled an etcd peer connection: read HTTP request heads for `X-Server-From`.

etcd puts `X-Server-From: <sender member id, hex>` on every Raft peer request (streams,
pipeline, snapshots). Health probes (`GET /raft/probing`, `GET /version`) carry no such header,
and Go's HTTP client pools connections per destination, so a connection first used by a probe
can later carry a Raft stream. So while a connection's sender is unknown we keep reading the
heads of its (bodiless) requests and re-label the connection once a sender shows up.
"""

from __future__ import annotations

MAX_HEAD = 16 * 1024
HEAD_END = b"\r\n\r\n"


class RequestHead:
    def __init__(self, raw: bytes) -> None:
        lines = raw.decode("latin-1").split("\r\n")
        self.request_line = lines[0]
        self.headers: dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                self.headers[name.strip().lower()] = value.strip()

    @property
    def sender_id(self) -> str | None:
        value = self.headers.get("x-server-from")
        return normalize_member_id(value) if value else None

    @property
    def has_body(self) -> bool:
        length = self.headers.get("content-length", "0")
        return "transfer-encoding" in self.headers or length not in ("", "0")


def split_head(buffer: bytes) -> tuple[RequestHead, int] | None:
    """The first request head in `buffer` and where it ends, or None if incomplete."""
    end = buffer.find(HEAD_END, 0, MAX_HEAD)
    if end < 0:
        return None
    return RequestHead(bytes(buffer[:end])), end + len(HEAD_END)


def normalize_member_id(hex_id: str) -> str:
    """Canonical hex spelling (lowercase, no leading zeros), as etcd prints ids."""
    try:
        return format(int(hex_id, 16), "x")
    except ValueError:
        return hex_id.strip().lower()


def peer_link_name(sender_id: str | None, peer_ids: dict[str, str], dst: str) -> str:
    return f"{peer_ids.get(sender_id or '', 'unknown')}->{dst}"
