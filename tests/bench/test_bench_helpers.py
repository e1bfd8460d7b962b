"""The bench's pure helpers: wrk parsing, percentiles, the resume rule, the profile split,
the table and the docs renderer. No stack, no load."""

from __future__ import annotations

import math

import pytest

from bench.common import Figure, p50_p95, parse_wrk, percentile
from bench.profile_path import split
from bench.recovery import resume_after
from bench.render_docs import render
from bench.table import render_markdown, render_text

WRK_OUTPUT = """\
Running 5s test @ http://127.0.0.1:8080/kv/bench/key
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    12.51ms    3.20ms  80.01ms   90.00%
    Req/Sec     2.57k   150.00     2.80k    70.00%
  Latency Distribution
     50%   11.90ms
     75%   13.00ms
     90%   15.00ms
     99%    1.20s
  12840 requests in 5.01s, 2.10MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 7
Requests/sec:   2562.87
Transfer/sec:    429.00KB
"""


def test_parse_wrk_reads_rate_percentiles_and_every_error() -> None:
    result = parse_wrk(WRK_OUTPUT)
    assert result["rps"] == 2562.87
    assert result["p50_ms"] == pytest.approx(11.9)
    assert result["p99_ms"] == pytest.approx(1200.0)  # seconds are scaled, not read as ms
    assert result["errors"] == 12  # 7 non-2xx + 5 socket errors
    assert result["requests"] == 12840


def test_parse_wrk_refuses_what_is_not_wrk_output() -> None:
    with pytest.raises(ValueError, match="not wrk output"):
        parse_wrk("unable to connect to 127.0.0.1:1 Connection refused")


def test_percentile_interpolates_and_handles_small_samples() -> None:
    assert percentile([3.0, 1.0, 2.0, 4.0], 50) == 2.5
    assert percentile([5.0], 95) == 5.0
    assert math.isnan(percentile([], 50))
    summary = p50_p95([float(n) for n in range(1, 11)])
    assert (summary["p50"], summary["p95"], summary["n"]) == (5.5, pytest.approx(9.55), 10)


def test_resume_is_the_first_ack_after_the_last_failure() -> None:
    kill = 100.0
    log = [
        (99.0, 99.1, True),  # before the kill: ignored
        (100.2, 101.2, False),
        (101.3, 101.4, True),  # an ack between failures does not count
        (101.5, 102.5, False),
        (102.6, 102.7, True),
        (102.8, 102.9, True),
    ]
    assert resume_after(log, kill) == pytest.approx(2.7)
    assert resume_after([(100.1, 100.2, True)], kill) == 0.0
    assert resume_after([(100.1, 101.1, False)], kill) is None


def test_profile_split_by_leaf_package_and_inclusive_stage() -> None:
    raw = "\n".join([
        "main (services/web/__main__.py:20);Runner.run (asyncio/runners.py:118) 6",
        "run_asgi (uvicorn/protocols/http/httptools_impl.py:422);"
        "MetricsMiddleware.__call__ (services/web/metrics_middleware.py:47) 3",
        "run_asgi (uvicorn/protocols/http/httptools_impl.py:422);"
        "EtcdGateway._post (services/web/store_client.py:262);"
        "ClientSession.post (aiohttp/client.py:1561) 1",
    ])
    result = split(raw)
    assert result["samples"] == 10
    assert result["self_by_package_pct"] == {
        "asyncio (event loop)": 60.0, "services/web/metrics_middleware": 30.0, "aiohttp": 10.0,
    }
    assert result["inclusive_pct"]["uvicorn + httptools (HTTP server)"] == 40.0
    assert result["inclusive_pct"]["store call (EtcdGateway, whole)"] == 10.0


def _figures() -> list[dict]:
    return [
        Figure("throughput", "etcd direct", 4000, "req/s", {"p50_ms": 1, "p99_ms": 2}).as_dict(),
        Figure("throughput", "api", 1500, "req/s", {"p50_ms": 9, "p99_ms": 30, "errors": 2},
               baseline="etcd direct", goal=">= 35%").as_dict(),
        Figure("store client", "aiohttp", 2400, "req/s").as_dict(),
        Figure("store client", "httpx as before (pool 16)", 150, "req/s").as_dict(),
        Figure("recovery", "out of rotation: p95", 0.8, "s",
               {"p50": 0.6, "p95": 0.8, "n": 10}).as_dict(),
        Figure("resources", "whole stack CPU", 25.0, "% of one core",
               {"per_component": {"prometheus": {"cpu_pct": 9.0, "rss_mb": 120.0}}}).as_dict(),
    ]


def test_table_shows_ratio_to_the_baseline_and_the_goal() -> None:
    text = render_text(_figures())
    assert "38% of etcd direct" in text and ">= 35%" in text and "2 errors" in text
    markdown = render_markdown(_figures())
    assert markdown.splitlines()[0] == "| group | figure | result | vs baseline | goal |"
    assert "0.8 s (p50 0.6 s, n=10)" in markdown


def test_docs_come_only_from_the_results() -> None:
    results = {
        "date": "2026-12-01", "started_at": "a", "finished_at": "b", "command": "make bench",
        "machine": {"cpus": 2, "cpu": "x", "memory_gib": 1, "kernel": "k", "python": "3",
                    "etcd": "etcd", "haproxy": "haproxy", "wrk": "wrk"},
        "figures": _figures(),
    }
    page = render(results, "bench/results/2026-12-01.json", None)
    assert "bench/results/2026-12-01.json" in page
    assert "**aiohttp** (2,400 req/s, 16.0x of `httpx as before (pool 16)`)" in page
    assert "| prometheus | 9.0 | 120.0 |  |" in page


def test_the_tracing_cost_section_shows_each_variant_against_tracing_off() -> None:
    off = "GET one web (store direct), tracing off"

    def variant(name: str, rps: float, rounds: list[int], cpu: float, ratio, **cost) -> Figure:
        return Figure("tracing cost", name, rps, "req/s",
                      {"p50_ms": 30.0, "p99_ms": 110.0, "cpu_us_per_call": cpu,
                       "rounds_rps": rounds, "sample_ratio": ratio, **cost},
                      None if name == off else off)

    def paired(throughput: list[float], cpu: list[float]) -> dict:
        return {"throughput_cost_percent": sorted(throughput)[1], "rounds_throughput_cost":
                throughput, "cpu_cost_percent": sorted(cpu)[1], "rounds_cpu_cost": cpu,
                "rounds_baseline_rps": [900, 900, 900]}

    figures = [f.as_dict() for f in (
        variant(off, 900, [880, 900, 950, 890, 905, 910], 700.0, None),
        variant("GET one web, tracing off, a second identical instance (noise floor)", 895,
                [880, 895, 900], 702.0, None, **paired([-2.0, 0.5, 1.0], [-1.0, 0.3, 2.0])),
        variant("GET one web, tracing on, default sampling (0.05)", 850, [840, 850, 870],
                770.0, 0.05, **paired([4.0, 5.6, 7.0], [9.0, 10.0, 12.5])),
        variant("GET one web, tracing on, every request recorded", 600, [590, 600, 610],
                1250.0, 1.0, **paired([30.0, 33.3, 35.0], [70.0, 78.6, 80.0])))]
    results = {
        "date": "2026-12-01", "started_at": "a", "finished_at": "b", "command": "make bench",
        "machine": {"cpus": 2, "cpu": "x", "memory_gib": 1, "kernel": "k", "python": "3",
                    "etcd": "etcd", "haproxy": "haproxy", "wrk": "wrk"},
        "figures": figures,
    }
    page = render(results, "bench/results/2026-12-01.json", None)
    flat = " ".join(page.split())
    assert "default sampling (0.05) with spans" in flat
    assert "no request recorded (the path every request pays)" in flat
    assert "**at the same time as the baseline** (two wrk, one per instance), 3 rounds" in flat
    assert ("| GET one web, tracing on, default sampling (0.05) | 850 (840, 850, 870) "
            "| +5.6% (4.0, 5.6, 7.0) | 770 us | +10.0% (9.0, 10.0, 12.5) | 110.0 ms |") in page
    assert f"| {off} | 900 (880, 900, 950, 890, 905, 910) | baseline | 700 us | baseline |" \
        in page
    # The every-figure table gives a paired variant its paired costs, not a ratio of medians.
    assert ("cost +5.6% req/s, +10.0% CPU a call, run beside the baseline") in page


def test_the_leader_kill_section_quotes_this_runs_figure() -> None:
    figure = Figure("detection and recovery", "writes resume after a store leader kill: p95",
                    2.5, "s", {"p50": 2.104, "p95": 2.5, "max": 2.7, "n": 10, "kills": 10,
                               "missed": 0, "failed_writes": 30}, goal="<= 2.5 s")
    results = {
        "date": "2026-12-03", "started_at": "a", "finished_at": "b", "command": "make bench",
        "machine": {"cpus": 2, "cpu": "x", "memory_gib": 1, "kernel": "k", "python": "3",
                    "etcd": "etcd", "haproxy": "haproxy", "wrk": "wrk"},
        "figures": [figure.as_dict()],
    }
    page = " ".join(render(results, "bench/results/2026-12-03.json", None).split())
    assert "## Writes after a store leader kill" in page
    assert "This run: p50 2.10 s, p95 2.50 s over 10 kills, 30 writes failed in all" in page


def test_concurrent_pairs_run_each_variant_beside_the_baseline_and_alternate_order() -> None:
    import threading

    from bench.common import concurrent_pairs

    started: list[str] = []
    both_running = threading.Barrier(2, timeout=5)  # each pair's runs overlap in time

    def variant(name: str):
        def run(seconds: float) -> dict:
            started.append(name)
            if seconds > 1:
                both_running.wait()
            return {"name": name, "seconds": seconds}
        return run

    pairs = concurrent_pairs(variant("base"), {"a": variant("a"), "b": variant("b")},
                             seconds=5, rounds=2)
    assert started[:3] == ["base", "a", "b"]  # warm-ups, one at a time, not kept
    kept = started[3:]
    # Round 1: a then b, the baseline started first; round 2: b then a, the variant first.
    assert [set(kept[i:i + 2]) for i in range(0, 8, 2)] == [
        {"base", "a"}, {"base", "b"}, {"base", "b"}, {"base", "a"}]
    assert {name: len(runs) for name, runs in pairs.items()} == {"a": 2, "b": 2}
    for name, runs in pairs.items():
        assert all(base["name"] == "base" and other["name"] == name for base, other in runs)


def test_paired_cost_is_the_median_of_each_pairs_cost() -> None:
    from bench.common import paired_cost_percent

    pairs = [({"rps": 100, "cpu": 500}, {"rps": 90, "cpu": 550}),
             ({"rps": 200, "cpu": 400}, {"rps": 190, "cpu": 400}),
             ({"rps": 100, "cpu": 500}, {"rps": 120, "cpu": 450})]
    assert paired_cost_percent(pairs, "rps", higher_is_better=True) == (5.0, [10.0, 5.0, -20.0])
    assert paired_cost_percent(pairs, "cpu", higher_is_better=False) == (0.0, [10.0, 0.0, -10.0])


def test_closing_a_given_stack_stops_the_extra_instances_and_keeps_the_stack(tmp_path) -> None:
    import subprocess
    import sys

    from bench.stack import BenchStack

    stack = BenchStack(root=tmp_path)  # a stack the bench was given, not one it started
    extra = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    stack._extra.append(extra)
    stack.extra_pids["http://127.0.0.1:1"] = extra.pid
    stack.close()
    assert extra.poll() is not None  # the extra instance is gone ...
    assert stack.extra_pids == {}
    assert tmp_path.exists()  # ... and the given stack's state dir is left alone


def test_the_cuts_quote_this_runs_heap_and_paused_figures() -> None:
    per = {"controller": {"cpu_pct": 3.5, "rss_mb": 80.0}, "store-1": {"cpu_pct": 5.0,
                                                                       "rss_mb": 50.0}}
    figures = [f.as_dict() for f in (
        Figure("resources", "whole stack CPU, at 20 req/s", 40.0, "% of one core",
               {"per_component": per}),
        Figure("resources", "whole stack RSS, at 20 req/s", 800.0, "MB"),
        Figure("resources", "whole stack PSS (shared pages once), idle (load 0 req/s)", 9.0,
               "MB"),
        Figure("resources", "whole stack PSS (shared pages once), at 20 req/s", 580.5, "MB"),
        Figure("resources", "idle stack CPU taken by the controller (x)", 4.2, "% of one core"),
        Figure("resources", "idle stack CPU taken by Prometheus (y)", 12.9, "% of one core"),
        Figure("start-up heap", "frozen", 690, "us CPU a call",
               {"cpu_saving_percent": 8.1, "throughput_gain_percent": 6.0}, "unfrozen"))]
    results = {
        "date": "2026-12-01", "started_at": "a", "finished_at": "b", "command": "make bench",
        "machine": {"cpus": 2, "cpu": "x", "memory_gib": 1, "kernel": "k", "python": "3",
                    "etcd": "etcd", "haproxy": "haproxy", "wrk": "wrk"},
        "figures": figures,
    }
    page = " ".join(render(results, "bench/results/2026-12-01.json", None).split())
    assert "(8.1% less CPU per store-backed GET, +6.0% throughput)" in page
    assert "the controller (x): 4.2% of a core; Prometheus (y): 12.9% of a core." in page
    assert "The controller (3.5% of one core)" in page
    assert "etcd (5.0% for the three members" in page
    assert "RSS summed over the components 800 MB, PSS 580.5 MB." in page


def test_alternating_rounds_warm_each_variant_then_reverse_every_other_round() -> None:
    from bench.common import alternating_rounds

    calls: list[tuple[str, float]] = []

    def variant(name: str):
        def run(seconds: float) -> dict:
            calls.append((name, seconds))
            return {"name": name, "seconds": seconds}
        return run

    runs = alternating_rounds({"a": variant("a"), "b": variant("b"), "c": variant("c")},
                              seconds=5, rounds=3)
    assert calls == [("a", 1), ("b", 1), ("c", 1),          # warm-up, not kept
                     ("a", 5), ("b", 5), ("c", 5),
                     ("c", 5), ("b", 5), ("a", 5),
                     ("a", 5), ("b", 5), ("c", 5)]
    assert {name: len(kept) for name, kept in runs.items()} == {"a": 3, "b": 3, "c": 3}
    assert all(run["seconds"] == 5 for kept in runs.values() for run in kept)
