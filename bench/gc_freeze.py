"""What freezing the start-up heap saves web (services/heap.py): CPU per store-backed
`GET /kv/{key}` and throughput, with and without `gc.freeze()` before serving, side by side.

Two extra web instances of the bench's stack, tracing off, store calls straight to etcd (so
the web process is the bottleneck): one started as the stack starts web, one started with
`freeze_startup_heap` replaced by a no-op before `services.web` runs. The same wrk load, 5
alternating rounds (every other one in reverse order), medians.

    .venv/bin/python -m bench.gc_freeze [--seconds 5] [--rounds 5] [--state-dir DIR]
"""

from __future__ import annotations

from collections.abc import Iterator

from bench import standalone
from bench.common import Figure, alternating_rounds, median_of, wrk_with_cpu
from bench.stack import WEB_LAUNCH, BenchStack

GROUP = "start-up heap"
KEY = "bench/heap"
# services.web exactly as the stack runs it, except that nothing is frozen.
WITHOUT_FREEZE = ("-c", "import runpy, services.heap as heap; "
                  "heap.freeze_startup_heap = lambda: None; "
                  "runpy.run_module('services.web', run_name='__main__')")


def measure(stack: BenchStack, seconds: float = 5.0, rounds: int = 5) -> Iterator[Figure]:
    variants = {
        "without": stack.extra_web("bench-heap-unfrozen", direct_store=True, tracing="false",
                                   launch=WITHOUT_FREEZE),
        "with": stack.extra_web("bench-heap-frozen", direct_store=True, tracing="false",
                                launch=WEB_LAUNCH),
    }
    stack.http.put(f"{variants['with']}/kv/{KEY}", json={"value": "bench-value"}
                   ).raise_for_status()
    runs = alternating_rounds({
        name: (lambda seconds, url=url: wrk_with_cpu(f"{url}/kv/{KEY}", stack.extra_pids[url],
                                                     seconds))
        for name, url in variants.items()}, seconds, rounds)
    labels = {"without": "GET one web (store direct), start-up heap not frozen",
              "with": "GET one web (store direct), start-up heap frozen (as shipped)"}
    base = median_of(runs["without"], "cpu_us_per_call")
    base_rps = median_of(runs["without"], "rps")
    for name in variants:
        cpu = median_of(runs[name], "cpu_us_per_call")
        rps = median_of(runs[name], "rps")
        detail = {"rps": round(rps), "p99_ms": median_of(runs[name], "p99_ms"),
                  "rounds_cpu_us": [round(r["cpu_us_per_call"]) for r in runs[name]],
                  "rounds_rps": [round(r["rps"]) for r in runs[name]]}
        if name == "with":
            detail["cpu_saving_percent"] = round(100 * (1 - cpu / base), 1)
            detail["throughput_gain_percent"] = round(100 * (rps / base_rps - 1), 1)
        yield Figure(GROUP, labels[name], round(cpu), "us CPU a call", detail,
                     labels["without"] if name == "with" else None)


if __name__ == "__main__":
    raise SystemExit(standalone.main(__doc__.split("\n\n")[0], measure))
