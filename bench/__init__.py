"""gameday's benchmarks: `make bench` (bench/run.py) measures every figure of
docs/benchmarks.md in one run; bench/render_docs.py writes the docs from its results."""
