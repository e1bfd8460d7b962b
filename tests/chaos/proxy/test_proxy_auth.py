"""The proxy admin API: every mutating call needs the stack's token; reads stay open."""

from __future__ import annotations

import httpx
import pytest

from chaos.controls.proxy import ProxyClient
from chaos.proxy.token import bearer_ok, read_admin_token
from tests.chaos.proxy.proxy_process import proxy_process
from tests.chaos.proxy.real_proxy import TOKEN, real_proxy

MUTATING = [
    ("POST", "/faults", {"kind": "cut", "links": ["a"]}),
    ("DELETE", "/faults", None),
    ("DELETE", "/faults/f-1", None),
    ("PUT", "/quiet", {"quiet": True}),
    ("PUT", "/peers", {"ab": "store-1"}),
]
READS = ["/faults", "/links", "/metrics", "/healthz", "/peers"]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"},
                                     {"Authorization": f"Basic {TOKEN}"},
                                     {"Authorization": "Bearer"}])
async def test_mutating_calls_without_the_token_are_401_and_change_nothing(headers):
    async with real_proxy({"a": 1}) as real:
        await real.http.post("/faults", json={"id": "f-1", "kind": "cut", "links": ["a"]})
        async with httpx.AsyncClient(transport=real.http._transport, base_url="http://proxy",
                                     headers=headers) as anonymous:
            for method, path, body in MUTATING:
                resp = await anonymous.request(method, path, json=body)
                assert resp.status_code == 401, (method, path)
                assert "authorization" in resp.json()["detail"]
                assert resp.headers["www-authenticate"] == "Bearer"
            for path in READS:
                assert (await anonymous.get(path)).status_code == 200, path
        assert [f["id"] for f in await real.fault_table()] == ["f-1"]
        assert real.proxy.quiet is False and real.proxy.peer_ids == {}


async def test_with_the_token_every_mutating_call_works():
    async with real_proxy({"a": 1}) as real:
        for method, path, body in MUTATING:
            resp = await real.http.request(method, path, json=body)
            assert resp.status_code in (200, 201, 404), (method, path, resp.text)


async def test_without_a_configured_token_nothing_can_be_changed():
    async with real_proxy({"a": 1}, token=None) as real:
        resp = await real.http.post("/faults", json={"kind": "cut", "links": ["a"]},
                                    headers={"Authorization": "Bearer "})
        assert resp.status_code == 401
        assert (await real.http.get("/faults")).json() == []


async def test_proxy_client_with_a_wrong_token_raises_instead_of_pretending():
    async with real_proxy({"a": 1}) as real:
        client = ProxyClient(real.http, real.base_url, "not-the-token")
        real.http.headers.pop("Authorization")
        with pytest.raises(httpx.HTTPStatusError):
            await client.add_fault("f-1", "cut", ["a"], "both", {})
        with pytest.raises(httpx.HTTPStatusError):  # a 401 is never "already gone"
            await client.remove_fault("f-1")


def test_token_from_env_or_file(tmp_path):
    path = tmp_path / "token"
    path.write_text("from-file\n")
    assert read_admin_token({"GAMEDAY_ADMIN_TOKEN": "t1"}) == "t1"
    assert read_admin_token({"GAMEDAY_ADMIN_TOKEN_FILE": str(path)}) == "from-file"
    assert read_admin_token({"GAMEDAY_ADMIN_TOKEN": "t1",
                             "GAMEDAY_ADMIN_TOKEN_FILE": str(path)}) == "t1"
    assert read_admin_token({"GAMEDAY_ADMIN_TOKEN": "  "}) is None
    assert read_admin_token({}) is None
    with pytest.raises(OSError):
        read_admin_token({"GAMEDAY_ADMIN_TOKEN_FILE": str(tmp_path / "missing")})


def test_bearer_check():
    assert bearer_ok("Bearer s3cret", "s3cret") and bearer_ok("bearer s3cret", "s3cret")
    assert not bearer_ok("Bearer s3cre", "s3cret")
    assert not bearer_ok("Bearer s3cret", None)
    assert not bearer_ok(None, "s3cret")
    assert not bearer_ok("Bearer ", "")


def test_cli_reads_the_token_file(tmp_path):
    token_file = tmp_path / "admin-token"
    token_file.write_text("file-token\n")
    config = {"links": [{"name": "a", "listen": "127.0.0.1:0", "upstream": "127.0.0.1:1"}]}
    with proxy_process(tmp_path, config, env={"GAMEDAY_ADMIN_TOKEN_FILE": str(token_file)},
                       token="file-token") as admin:
        assert admin.post("/faults", json={"kind": "cut", "links": ["a"]}).status_code == 201
        anonymous = admin.post("/faults", json={"kind": "cut", "links": ["a"]},
                               headers={"Authorization": ""})
        assert anonymous.status_code == 401
        assert admin.put("/quiet", json={"quiet": True},
                         headers={"Authorization": "Bearer nope"}).status_code == 401


async def test_proxy_client_sets_peers_with_the_token():
    async with real_proxy({"a": 1}) as real:
        real.http.headers.pop("Authorization")
        await ProxyClient(real.http, real.base_url, TOKEN).set_peers({"AB": "store-1"})
        assert (await real.http.get("/peers")).json() == {"ab": "store-1"}
        with pytest.raises(httpx.HTTPStatusError):
            await ProxyClient(real.http, real.base_url).set_peers({"cd": "store-2"})
