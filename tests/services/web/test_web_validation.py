"""Input limits: every bad request is a JSON 422/413 naming the field and the limit."""

from __future__ import annotations

import httpx
import pytest

from services.web.validation import KEY_PATTERN, MAX_BODY_BYTES, MAX_VALUE_BYTES


def _fields(response: httpx.Response) -> dict[str, str]:
    body = response.json()
    assert body["error"] == "invalid_request"
    return {problem["field"]: problem["message"] for problem in body["detail"]}


async def test_put_then_get_round_trip(client: httpx.AsyncClient) -> None:
    put = await client.put("/kv/users/alice.v1", json={"value": "hello"})
    assert put.status_code == 200
    assert put.json() == {"key": "users/alice.v1", "value": "hello", "revision": 2}

    got = await client.get("/kv/users/alice.v1")
    assert got.status_code == 200
    assert got.json()["value"] == "hello"
    assert got.json()["revision"] == got.json()["mod_revision"] == 2


@pytest.mark.parametrize("key", ["bad key", "semi;colon", "quote'", "k" * 257, "%C3%A9t%C3%A9"])
async def test_bad_keys_are_422_naming_key_and_pattern(client: httpx.AsyncClient, key: str) -> None:
    for response in (
        await client.get(f"/kv/{key}"),
        await client.put(f"/kv/{key}", json={"value": "v"}),
        await client.delete(f"/kv/{key}"),
    ):
        assert response.status_code == 422
        assert _fields(response) == {"key": f"must match {KEY_PATTERN}"}


async def test_longest_allowed_key_is_accepted(client: httpx.AsyncClient) -> None:
    response = await client.put("/kv/" + "k" * 256, json={"value": "v"})
    assert response.status_code == 200


async def test_value_over_64_kib_is_422_naming_value_and_limit(client: httpx.AsyncClient) -> None:
    response = await client.put("/kv/big", json={"value": "x" * (MAX_VALUE_BYTES + 1)})
    assert response.status_code == 422
    message = _fields(response)["value"]
    assert str(MAX_VALUE_BYTES) in message and "64 KiB" in message


async def test_value_limit_counts_utf8_bytes(client: httpx.AsyncClient) -> None:
    # 3 bytes per character: 22000 characters are 66000 bytes.
    response = await client.put("/kv/big", json={"value": "€" * 22000})
    assert response.status_code == 422


async def test_value_of_exactly_64_kib_is_accepted(client: httpx.AsyncClient) -> None:
    response = await client.put("/kv/big", json={"value": "x" * MAX_VALUE_BYTES})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [({"value": 5}, "value"), ({}, "value"), ({"value": "v", "extra": 1}, "extra")],
)
async def test_malformed_put_bodies_name_the_field(
    client: httpx.AsyncClient, body: dict, field: str
) -> None:
    response = await client.put("/kv/k", json=body)
    assert response.status_code == 422
    assert field in _fields(response)


async def test_invalid_json_is_422_not_500(client: httpx.AsyncClient) -> None:
    response = await client.put(
        "/kv/k", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"


async def test_declared_body_over_128_kib_is_413(client: httpx.AsyncClient) -> None:
    response = await client.put(
        "/kv/k", content=b"x" * (MAX_BODY_BYTES + 1), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["detail"][0] == {
        "field": "body",
        "message": f"must be at most {MAX_BODY_BYTES} bytes",
    }


async def test_streamed_body_over_128_kib_is_413_while_reading(client: httpx.AsyncClient) -> None:
    async def chunks():  # no Content-Length: only counting the bytes can catch this
        for _ in range(20):
            yield b"x" * 8192

    response = await client.put(
        "/kv/k", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"


async def test_list_limit_bounds(client: httpx.AsyncClient) -> None:
    too_big = await client.get("/kv", params={"limit": 1001})
    assert too_big.status_code == 422
    assert "1000" in _fields(too_big)["limit"]
    assert (await client.get("/kv", params={"limit": 0})).status_code == 422


async def test_list_by_prefix_with_limit(client: httpx.AsyncClient) -> None:
    for key in ("a/1", "a/2", "a/3", "b/1"):
        await client.put(f"/kv/{key}", json={"value": key})
    response = await client.get("/kv", params={"prefix": "a/", "limit": 2})
    assert response.status_code == 200
    body = response.json()
    assert [item["key"] for item in body["items"]] == ["a/1", "a/2"]
    assert body["count"] == 2 and body["more"] is True
    assert set(body["items"][0]) == {"key", "value", "revision"}


async def test_bad_prefix_and_consistency_are_422(client: httpx.AsyncClient) -> None:
    assert "prefix" in _fields(await client.get("/kv", params={"prefix": "a b"}))
    assert "consistency" in _fields(await client.get("/kv/k", params={"consistency": "eventual"}))


async def test_missing_key_is_404_json(client: httpx.AsyncClient) -> None:
    for response in (await client.get("/kv/nope"), await client.delete("/kv/nope")):
        assert response.status_code == 404
        assert response.json()["error"] == "not_found"


async def test_unexpected_error_is_json_500_without_traceback(make_client, fake_etcd) -> None:
    def broken_store(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("secret internals")

    async with make_client(transport=httpx.MockTransport(broken_store)) as client:
        response = await client.get("/kv/k")
    assert response.status_code == 500
    assert response.json() == {
        "error": "internal_error",
        "detail": "unexpected error, see the service log",
    }
