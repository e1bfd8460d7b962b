"""Throughput and latency through the stack's parts, each with its baseline in the same run.

* GET and PUT through ``api`` (HAProxy -> proxy -> web -> proxy -> etcd) vs etcd's own
  gateway range/put on the leader, directly: the ratio is the issue's goal (>= 35 %);
* one web instance directly vs via HAProxy; with vs without the fault proxy in the path
  (web-1's own port vs its lb->web-1 link port; store calls through web-1's proxy links vs
  straight to the members, on an extra instance); with vs without the metrics middleware;
* ``GET /healthz`` (no store call): the web tier's ceiling on this machine;
* p50/p99 of GET through ``api`` at 50 % of the measured maximum (paced wrk, see
  ``lua/paced.lua``; wrk2 is not packaged for Debian).

All load comes from wrk, 1 thread, 32 connections, on the same two cores as the stack. The
requests to web carry a `traceparent` sampled as the load generator's are
(``bench.common.LOADGEN_SCRIPT``): without one, web records every request.
"""

from __future__ import annotations

from collections.abc import Iterator

from bench.common import LOADGEN_SCRIPT, Figure, loadgen_env, paced_wrk, wrk
from bench.stack import BenchStack

GROUP = "throughput"
KEY = "bench/key"  # the key the etcd Lua scripts read and write


def _figure(name: str, result: dict, baseline: str | None = None, goal: str = "") -> Figure:
    return Figure(GROUP, name, round(result["rps"]), "req/s", result, baseline, goal)


def measure(stack: BenchStack, seconds: float = 5.0) -> Iterator[Figure]:
    """Yields each figure as soon as it is measured (a later failure keeps them)."""
    api = stack.api
    leader = stack.leader() or "store-1"
    etcd = stack.component(leader)["url"]
    stack.http.put(f"{api}/kv/{KEY}", json={"value": "bench-value"}).raise_for_status()
    web1 = stack.component("web-1")["url"]
    front_link = "http://" + stack.link("lb->web-1")

    etcd_get = "etcd gateway range, leader directly"
    etcd_put = "etcd gateway put, leader directly"
    yield (_figure(etcd_get, wrk(f"{etcd}/v3/kv/range", seconds,
                                         script="etcd_range.lua")))
    yield (_figure(etcd_put, wrk(f"{etcd}/v3/kv/put", seconds, script="etcd_put.lua")))
    def get(url: str) -> dict:
        return wrk(url, seconds, script=LOADGEN_SCRIPT, env=loadgen_env())

    api_get = get(f"{api}/kv/{KEY}")
    yield (_figure("GET /kv/{key} through api (3 web)", api_get, etcd_get,
                           ">= 35% of the etcd range rate"))
    put = wrk(f"{api}/kv/{KEY}", seconds, script=LOADGEN_SCRIPT,
              env=loadgen_env("PUT", '{"value":"bench-value"}'))
    yield (_figure("PUT /kv/{key} through api (3 web)", put, etcd_put,
                           ">= 35% of the etcd put rate"))

    direct = "GET one web directly (web-1, store via proxy)"
    yield (_figure(direct, get(f"{web1}/kv/{KEY}")))
    yield (_figure("GET one web through its fault-proxy link (lb->web-1)",
                           get(f"{front_link}/kv/{KEY}"), direct))
    yield (_figure("GET /healthz on one web (no store call)",
                           wrk(f"{web1}/healthz", seconds), direct))

    bare = stack.extra_web("bench-direct", direct_store=True)
    no_metrics = stack.extra_web("bench-nometrics", direct_store=True,
                                 metrics_middleware="false")
    store_direct = "GET one web, store calls straight to etcd"
    yield (_figure(store_direct, get(f"{bare}/kv/{KEY}"), direct))
    yield (_figure("GET one web, store direct, metrics middleware off",
                           get(f"{no_metrics}/kv/{KEY}"), store_direct))

    half = api_get["rps"] / 2
    paced = paced_wrk(f"{api}/kv/{KEY}", half, seconds, script=LOADGEN_SCRIPT,
                      **loadgen_env())
    yield (Figure(GROUP, "GET through api at 50% of its maximum: p99",
                          round(paced["p99_ms"], 2), "ms", paced, goal="< 20 ms"))

