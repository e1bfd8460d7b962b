"""etcd-peer listeners: sender detection from X-Server-From, globs on links that appear later,
re-labelling when peer ids arrive. Uses a fake peer client against the echo server."""

from __future__ import annotations

import asyncio

from tests.chaos.proxy.proxy_harness import TIMEOUT, expect_reset, roundtrip

PEER = {"peer->store-9": {"kind": "etcd-peer", "dst": "store-9"}}


def request(sender: str | None, path: str = "/raft/stream/message/1") -> bytes:
    header = f"X-Server-From: {sender}\r\n" if sender else ""
    return f"GET {path} HTTP/1.1\r\nHost: store-9\r\n{header}\r\n".encode()


async def links(p) -> dict[str, dict]:
    return {link["name"]: link for link in (await p.admin.get("/links")).json()}


async def test_sender_id_names_the_logical_link(echo, start_proxy):
    p = await start_proxy(
        {"peer->store-9": echo.port}, PEER, peer_ids={"8e9e05c52164694d": "store-1"}
    )
    reader, writer = await p.dial("peer->store-9")
    head = request("8e9e05c52164694d")
    assert await roundtrip(reader, writer, head) == head  # peeked bytes forwarded unchanged
    table = await links(p)
    assert table["store-1->store-9"]["active_connections"] == 1
    assert table["store-1->store-9"]["via"] == "peer->store-9"
    assert table["peer->store-9"]["logical_links"] == ["store-1->store-9"]
    writer.close()


async def test_missing_or_unknown_sender_is_unknown(echo, start_proxy):
    p = await start_proxy({"peer->store-9": echo.port}, PEER)
    r1, w1 = await p.dial("peer->store-9")
    await roundtrip(r1, w1, request(None, "/version"))
    r2, w2 = await p.dial("peer->store-9")
    await roundtrip(r2, w2, request("abc"))
    assert (await links(p))["unknown->store-9"]["active_connections"] == 2
    w1.close()
    w2.close()


async def test_silent_connection_is_unknown_after_peek_timeout(echo, start_proxy):
    p = await start_proxy({"peer->store-9": echo.port}, PEER)
    _, writer = await p.dial("peer->store-9")
    deadline = asyncio.get_running_loop().time() + TIMEOUT
    while "unknown->store-9" not in await links(p):
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.05)
    writer.close()


async def test_glob_fault_hits_links_that_appear_later(echo, start_proxy):
    p = await start_proxy(
        {"peer->store-9": echo.port}, PEER, peer_ids={"1": "store-1", "2": "store-2"}
    )
    await p.fault("cut", ["store-1->*"])  # no such link exists yet
    assert "store-1->store-9" not in await links(p)
    r1, w1 = await p.dial("peer->store-9")
    w1.write(request("1"))
    await expect_reset(r1)
    r2, w2 = await p.dial("peer->store-9")
    await roundtrip(r2, w2, request("2"))  # store-2 is not cut
    w1.close()
    w2.close()


async def test_put_peers_relabels_open_connections(echo, start_proxy):
    p = await start_proxy({"peer->store-9": echo.port}, PEER)
    reader, writer = await p.dial("peer->store-9")
    await roundtrip(reader, writer, request("00ab"))  # id not known yet
    await p.fault("cut", ["store-1->store-9"])
    assert (await links(p))["unknown->store-9"]["active_connections"] == 1

    resp = await p.admin.put("/peers", json={"AB": "store-1"})
    assert resp.json() == {"ab": "store-1"}
    await expect_reset(reader)  # now known as store-1->store-9, which is cut
    writer.close()


async def test_probe_then_stream_on_one_connection_is_relabelled(echo, start_proxy):
    """Go reuses a pooled connection first opened by a header-less health probe."""
    p = await start_proxy({"peer->store-9": echo.port}, PEER, peer_ids={"1": "store-1"})
    reader, writer = await p.dial("peer->store-9")
    await roundtrip(reader, writer, request(None, "/raft/probing"))
    assert (await links(p))["unknown->store-9"]["active_connections"] == 1
    await roundtrip(reader, writer, request("1"))
    table = await links(p)
    assert table["unknown->store-9"]["active_connections"] == 0
    assert table["store-1->store-9"]["active_connections"] == 1
    writer.close()


async def test_request_body_after_peeked_head_keeps_byte_order(echo, start_proxy):
    p = await start_proxy({"peer->store-9": echo.port}, PEER, peer_ids={"1": "store-1"})
    reader, writer = await p.dial("peer->store-9")
    body = b"raft message bytes " * 100
    post = (
        b"POST /raft HTTP/1.1\r\nX-Server-From: 1\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    assert await roundtrip(reader, writer, post) == post
    assert (await links(p))["store-1->store-9"]["bytes_up"] == len(post)
    writer.close()
