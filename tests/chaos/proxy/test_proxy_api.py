"""Admin API validation, fault listing and deletion, and exact Prometheus samples."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tests.chaos.proxy.proxy_harness import roundtrip


async def test_unknown_kind_is_404(start_proxy):
    p = await start_proxy({"a": 1})
    resp = await p.admin.post("/faults", json={"kind": "gremlins", "links": ["a"]})
    assert resp.status_code == 404
    assert "gremlins" in resp.json()["detail"]


async def test_bad_params_are_422_naming_the_field(start_proxy):
    p = await start_proxy({"a": 1})
    cases = [
        ("latency", {"ms": -1}, ["body", "params", "ms"]),
        ("latency", {"ms": 1, "jitter_ms": -2}, ["body", "params", "jitter_ms"]),
        ("latency", {"ms": 60_001}, ["body", "params", "ms"]),
        ("latency", {"ms": "soon"}, ["body", "params", "ms"]),
        ("loss", {"probability": 1.5}, ["body", "params", "probability"]),
        ("bandwidth", {"bytes_per_s": 0}, ["body", "params", "bytes_per_s"]),
        ("cut", {"surprise": 1}, ["body", "params", "surprise"]),
    ]
    for kind, params, loc in cases:
        resp = await p.admin.post("/faults", json={"kind": kind, "links": ["a"], "params": params})
        assert resp.status_code == 422, (kind, params)
        assert [e["loc"] for e in resp.json()["detail"]] == [loc], resp.json()


async def test_bad_fault_body_is_422_naming_the_field(start_proxy):
    p = await start_proxy({"a": 1})
    resp = await p.admin.post("/faults", json={"kind": "cut", "links": ["a"], "direction": "up"})
    assert resp.status_code == 422
    assert resp.json()["detail"][0]["loc"] == ["body", "direction"]
    resp = await p.admin.post("/faults", json={"kind": "cut"})
    assert resp.json()["detail"][0]["loc"] == ["body", "links"]


async def test_list_delete_and_clear_faults(start_proxy):
    p = await start_proxy({"a": 1})
    created = await p.fault("latency", ["a"], id="f-1", params={"ms": 10})
    assert created == {
        "id": "f-1",
        "kind": "latency",
        "links": ["a"],
        "direction": "both",
        "params": {"ms": 10.0, "jitter_ms": 0.0},
    }
    await p.fault("cut", ["b*"], id="f-2")
    assert [f["id"] for f in (await p.admin.get("/faults")).json()] == ["f-1", "f-2"]
    assert (await p.link("a"))["faults"] == ["f-1"]

    assert (await p.admin.delete("/faults/f-1")).status_code == 200
    assert (await p.admin.delete("/faults/f-1")).status_code == 404
    assert (await p.admin.delete("/faults")).json() == {"cleared": 1}
    assert (await p.admin.get("/faults")).json() == []
    assert (await p.admin.get("/healthz")).status_code == 200


async def test_metrics_exact_samples(echo, start_proxy):
    p = await start_proxy({"a": echo.port, "b": echo.port})
    reader, writer = await p.dial("a")
    await roundtrip(reader, writer, b"12345")
    await p.fault("latency", ["a", "b"], id="slow", params={"ms": 0})
    await p.fault("cut", ["b"], id="down")

    text = (await p.admin.get("/metrics")).text
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }

    def sample(name, **labels):
        return samples[(name, tuple(sorted(labels.items())))]

    assert sample("proxy_link_bytes_total", link="a", direction="upstream") == 5
    assert sample("proxy_link_bytes_total", link="a", direction="downstream") == 5
    assert sample("proxy_link_bytes_total", link="b", direction="upstream") == 0
    assert sample("proxy_link_connections_total", link="a") == 1
    assert sample("proxy_link_active_connections", link="a") == 1
    assert sample("proxy_link_faults_active", link="a", kind="latency") == 1
    assert sample("proxy_link_faults_active", link="a", kind="cut") == 0
    assert sample("proxy_link_faults_active", link="b", kind="cut") == 1
    assert sample("proxy_faults_active") == 2
    writer.close()


async def test_quiet_mode_hides_which_links_are_faulted_but_not_traffic(echo, start_proxy):
    p = await start_proxy({"a": echo.port})
    await p.fault("latency", ["a"], params={"ms": 1})
    assert "proxy_link_faults_active" in (await p.admin.get("/metrics")).text

    assert (await p.admin.put("/quiet", json={"quiet": True})).json() == {"quiet": True}
    text = (await p.admin.get("/metrics")).text
    assert "proxy_link_faults_active" not in text and "proxy_faults_active" not in text
    assert "proxy_link_bytes_total" in text
    assert len((await p.admin.get("/faults")).json()) == 1  # the fault itself is untouched

    await p.admin.put("/quiet", json={"quiet": False})
    assert "proxy_link_faults_active" in (await p.admin.get("/metrics")).text
    assert (await p.admin.put("/quiet", json={"quiet": "maybe"})).status_code == 422
