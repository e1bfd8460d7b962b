"""The cost of tracing and logging end to end: throughput and p99 of a store-backed
`GET /kv/{key}` on a web instance with tracing on (spans exported to the controller's
receiver, the load generator's default sampling) and off, side by side in one run.

Extra web instances of the bench's stack, same code, same store (etcd directly, so the web
process is the bottleneck and its cost is not diluted by the other hops):

* tracing off (`GAMEDAY_WEB_TRACING=false`: no trace ids, no spans, no access log line): the
  baseline;
* a second instance with tracing off: the noise floor (two identical instances should cost
  the same; what they differ by is what this method cannot resolve);
* tracing on, every request carrying a new `traceparent` sampled at the load generator's
  default ratio, as it sends them (`lua/traceparent.lua`), spans exported to the controller;
* the same with no request sampled (0.0): the unrecorded path alone (trace id, header,
  the middleware's wrapper, an idle exporter), the cost every request pays;
* the same with every request sampled (1.0): what a user's own requests (no
  `traceparent`, always recorded) cost.

Each variant is measured at the same time as the baseline (two wrk, one per instance:
`bench.common.concurrent_pairs`), so both see the same moment of a shared machine; a
variant's cost is the median over the rounds of its cost against the baseline beside it.
Every variant gets the same wrk script, so the load tool's cost is the same. Besides req/s,
the web process's CPU per request answered (from /proc).

    .venv/bin/python -m bench.tracing_cost [--seconds 5] [--rounds 5] [--state-dir DIR]

Without --state-dir it starts (and tears down) its own stack at no load.
"""

from __future__ import annotations

from collections.abc import Iterator

from bench import standalone
from bench.common import Figure, concurrent_pairs, median_of, paired_cost_percent, wrk_with_cpu
from bench.stack import BenchStack
from services.loadgen.tracecontext import DEFAULT_RATIO as LOADGEN_RATIO

GROUP = "tracing cost"
KEY = "bench/key"
DEFAULT_RATIO = str(LOADGEN_RATIO)
GOAL = "<= 10% throughput cost"
OFF = "GET one web (store direct), tracing off"
LABELS = {"twin": "GET one web, tracing off, a second identical instance (noise floor)",
          "none": "GET one web, tracing on, no request recorded",
          "on": f"GET one web, tracing on, default sampling ({DEFAULT_RATIO})",
          "all": "GET one web, tracing on, every request recorded"}


def measure(stack: BenchStack, seconds: float = 5.0, rounds: int = 5) -> Iterator[Figure]:
    web1 = stack.component("web-1")["env"]
    exporting = {"traces_endpoint": stack.controller_url + "/v1/traces",
                 "admin_token": web1["GAMEDAY_WEB_ADMIN_TOKEN"]}
    instances = {
        "off": (stack.extra_web("bench-trace-off", direct_store=True, tracing="false"),
                DEFAULT_RATIO),
        "twin": (stack.extra_web("bench-trace-off-twin", direct_store=True, tracing="false"),
                 DEFAULT_RATIO),
        "none": (stack.extra_web("bench-trace-none", direct_store=True, **exporting), "0.0"),
        "on": (stack.extra_web("bench-trace-on", direct_store=True, **exporting),
               DEFAULT_RATIO),
        "all": (stack.extra_web("bench-trace-all", direct_store=True, **exporting), "1.0"),
    }
    stack.http.put(f"{instances['off'][0]}/kv/{KEY}", json={"value": "bench-value"}
                   ).raise_for_status()

    def runner(name: str):
        url, ratio = instances[name]
        return lambda seconds: wrk_with_cpu(f"{url}/kv/{KEY}", stack.extra_pids[url], seconds,
                                            script="traceparent.lua",
                                            env={"TRACE_SAMPLE_RATIO": ratio})

    pairs = concurrent_pairs(runner("off"), {name: runner(name) for name in LABELS},
                             seconds, rounds)
    baseline_runs = [base for runs in pairs.values() for base, _ in runs]
    yield Figure(GROUP, OFF, round(median_of(baseline_runs, "rps")), "req/s",
                 _detail(baseline_runs, None))
    for name, label in LABELS.items():
        runs = [other for _, other in pairs[name]]
        detail = _detail(runs, float(instances[name][1]) if name != "twin" else None)
        cost, each = paired_cost_percent(pairs[name], "rps", higher_is_better=True)
        cpu_cost, cpu_each = paired_cost_percent(pairs[name], "cpu_us_per_call",
                                                 higher_is_better=False)
        detail.update(throughput_cost_percent=cost, rounds_throughput_cost=each,
                      cpu_cost_percent=cpu_cost, rounds_cpu_cost=cpu_each,
                      rounds_baseline_rps=[round(base["rps"]) for base, _ in pairs[name]])
        yield Figure(GROUP, label, round(median_of(runs, "rps")), "req/s", detail, OFF,
                     GOAL if name == "on" else "")


def _detail(runs: list[dict], ratio: float | None) -> dict:
    return {"p50_ms": median_of(runs, "p50_ms"), "p99_ms": median_of(runs, "p99_ms"),
            "cpu_us_per_call": round(median_of(runs, "cpu_us_per_call"), 1),
            "errors": sum(r["errors"] for r in runs),
            "rounds_rps": [round(r["rps"]) for r in runs], "sample_ratio": ratio}


if __name__ == "__main__":
    raise SystemExit(standalone.main(__doc__.split("\n\n")[0], measure))
