"""The cost of tracing and logging end to end: throughput and p99 of a store-backed
`GET /kv/{key}` on a web instance with tracing on (spans exported to the controller's
receiver, the load generator's default sampling) and off, side by side in one run.

Four extra web instances of the bench's stack, same code, same store (etcd directly, so the
web process is the bottleneck and its cost is not diluted by the other hops):

* tracing off (`GAMEDAY_WEB_TRACING=false`: no trace ids, no spans, no access log line);
* tracing on, every request carrying a new `traceparent` sampled at the load generator's
  default ratio, as it sends them (`lua/traceparent.lua`), spans exported to the controller;
* the same with no request sampled (0.0): the unrecorded path alone (trace id, header,
  the middleware's wrapper, an idle exporter), the cost every request pays;
* the same with every request sampled (1.0): what a user's own requests (no
  `traceparent`, always recorded) cost.

Every variant gets the same wrk script, so the load tool's cost is the same. Rounds
alternate the variants, every other round in reverse order (drift on a shared machine hits
them alike); medians are reported,
with each round's req/s, and the web process's CPU per request answered (from /proc), which
another tenant's burst moves far less than it moves req/s.

    .venv/bin/python -m bench.tracing_cost [--seconds 5] [--rounds 5] [--state-dir DIR]

Without --state-dir it starts (and tears down) its own stack at no load.
"""

from __future__ import annotations

from collections.abc import Iterator

from bench import standalone
from bench.common import Figure, alternating_rounds, median_of, wrk_with_cpu
from bench.stack import BenchStack
from services.loadgen.tracecontext import DEFAULT_RATIO as LOADGEN_RATIO

GROUP = "tracing cost"
KEY = "bench/key"
DEFAULT_RATIO = str(LOADGEN_RATIO)
GOAL = "<= 10% throughput cost"


def measure(stack: BenchStack, seconds: float = 5.0, rounds: int = 5) -> Iterator[Figure]:
    web1 = stack.component("web-1")["env"]
    exporting = {"traces_endpoint": stack.controller_url + "/v1/traces",
                 "admin_token": web1["GAMEDAY_WEB_ADMIN_TOKEN"]}
    variants = {
        "off": (stack.extra_web("bench-trace-off", direct_store=True, tracing="false"),
                DEFAULT_RATIO),
        "on": (stack.extra_web("bench-trace-on", direct_store=True, **exporting),
               DEFAULT_RATIO),
        "none": (stack.extra_web("bench-trace-none", direct_store=True, **exporting), "0.0"),
        "all": (stack.extra_web("bench-trace-all", direct_store=True, **exporting), "1.0"),
    }
    stack.http.put(f"{variants['off'][0]}/kv/{KEY}", json={"value": "bench-value"}
                   ).raise_for_status()
    # The all-recorded variant leaves the controller busy ingesting its spans: the rounds
    # alternate direction so no variant always runs right after it.
    runs = alternating_rounds({
        name: (lambda seconds, url=url, ratio=ratio: wrk_with_cpu(
            f"{url}/kv/{KEY}", stack.extra_pids[url], seconds, script="traceparent.lua",
            env={"TRACE_SAMPLE_RATIO": ratio}))
        for name, (url, ratio) in variants.items()}, seconds, rounds)
    off_name = "GET one web (store direct), tracing off"
    labels = {"off": off_name,
              "on": f"GET one web, tracing on, default sampling ({DEFAULT_RATIO})",
              "none": "GET one web, tracing on, no request recorded",
              "all": "GET one web, tracing on, every request recorded"}
    off_rps = median_of(runs["off"], "rps")
    off_cpu = median_of(runs["off"], "cpu_us_per_call")
    for name in variants:
        rps = median_of(runs[name], "rps")
        cpu = median_of(runs[name], "cpu_us_per_call")
        detail = {"p50_ms": median_of(runs[name], "p50_ms"),
                  "p99_ms": median_of(runs[name], "p99_ms"),
                  "cpu_us_per_call": round(cpu, 1),
                  "errors": sum(r["errors"] for r in runs[name]),
                  "rounds_rps": [round(r["rps"]) for r in runs[name]],
                  "sample_ratio": float(variants[name][1]) if name != "off" else None}
        if name != "off":
            detail["throughput_cost_percent"] = round(100 * (1 - rps / off_rps), 1)
            detail["cpu_cost_percent"] = round(100 * (cpu / off_cpu - 1), 1)
        yield Figure(GROUP, labels[name], round(rps), "req/s", detail,
                     None if name == "off" else off_name, GOAL if name == "on" else "")


if __name__ == "__main__":
    raise SystemExit(standalone.main(__doc__.split("\n\n")[0], measure))
